"""Response headers that make a stolen page harmless: CSP with a per-request nonce, no sniffing,
no framing, no referrer across sites, HSTS behind https; and the cookie flags.

The pages run our own JS only: every <script> is a file from /static, and a template that ever
needs an inline script must give it ``nonce="{{ csp_nonce() }}"``. Style attributes stay
allowed (``style-src-attr 'unsafe-inline'``): the server draws bar widths with them, and
a style attribute cannot run code; <style> elements still need the nonce.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, Response, g, request

from crm.settings import Settings


def csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy (one per request)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce: str) -> str:
    """The CSP: our own origin only, inline code only with this response's nonce."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data: https:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _set_headers(response: Response, https: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if https or request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Cookie flags from the settings and the headers on every response."""
    secure = settings.cookies_secure
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=timedelta(days=settings.remember_days),
        # A signed-in session also ends after this long without a visit.
        PERMANENT_SESSION_LIFETIME=timedelta(days=max(settings.remember_days, 1)),
    )
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    https = settings.base_url.startswith("https://")
    app.after_request(lambda response: _set_headers(response, https))
    app.jinja_env.globals["csp_nonce"] = csp_nonce
