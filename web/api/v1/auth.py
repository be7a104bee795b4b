"""API requests: personal access tokens, scopes, per-token rate limits, Idempotency-Key.

A request with ``Authorization: Bearer crm_...`` acts as the token's owner for that request
only (no session); ``requires(permission)`` then also checks the token's scope. Without a
token the browser session works as before, but a write must be JSON: a cross-site form cannot
send ``application/json`` without a CORS preflight (which we never allow), so sessions need
no CSRF token here.

Rate limits are a fixed one-minute window per token: in Redis when REDIS_URL is set (shared
by every web process), else in this process. Answers carry ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (and ``Retry-After`` on 429).
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta

from flask import Flask, Response, current_app, g, request
from sqlalchemy import select
from werkzeug.exceptions import (
    TooManyRequests,
    Unauthorized,
    UnprocessableEntity,
    UnsupportedMediaType,
)

from crm.db import utcnow
from crm.tokens.models import ApiToken, IdempotencyRecord
from crm.tokens.services import find_token
from web.db import session

# Which token scope a role permission needs (web.views.auth.requires asks).
SCOPE_OF = {"view": "read", "export": "export", "admin": "admin"}
WINDOW = 60
IDEMPOTENCY_TTL = timedelta(hours=24)


def scope_for(permission: str) -> str:
    """The scope a permission needs from a token: read, export, admin, or else write."""
    return SCOPE_OF.get(permission, "write")


def current_token() -> ApiToken | None:
    """The token this request authenticated with, if any."""
    return g.get("api_token")


class _MemoryLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[int, int], int] = {}

    def hit(self, token_id: int, window: int) -> int:
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            n = self._counts.get((token_id, window), 0) + 1
            self._counts[(token_id, window)] = n
            return n


def _hit(token_id: int, window: int) -> int:
    settings = current_app.extensions["settings"]
    if settings.redis_url:
        from redis import Redis

        conn = current_app.extensions.get("api_redis")
        if conn is None:
            conn = current_app.extensions["api_redis"] = Redis.from_url(settings.redis_url)
        key = f"crm:api:rate:{token_id}:{window}"
        pipe = conn.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW * 2)
        return int(pipe.execute()[0])
    limiter = current_app.extensions.setdefault("api_limiter", _MemoryLimiter())
    return int(limiter.hit(token_id, window))


def _authenticate() -> None:
    if not request.path.startswith("/api/"):
        return
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized("Send the token as 'Authorization: Bearer crm_...'.")
    factory = current_app.extensions["session_factory"]
    with factory() as s:
        token = find_token(s, raw.strip())
        if token is None:
            raise Unauthorized("The token is unknown, revoked, or its owner is deactivated.")
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now  # at most once a minute: not a write per request
            s.commit()
        s.expunge_all()
    g.api_token = token
    g._login_user = token.user  # flask-login's current_user, for this request only
    window = int(time.time()) // WINDOW
    used = _hit(token.id, window)
    reset = WINDOW - int(time.time()) % WINDOW
    g.api_rate = (token.rate_limit, max(0, token.rate_limit - used), reset)
    if used > token.rate_limit:
        exc = TooManyRequests(f"This token may make {token.rate_limit} requests a minute; wait {reset} s.")
        exc.retry_after = reset  # type: ignore[attr-defined]
        raise exc


def require_json_for_session_writes() -> None:
    """A write through the session (no token) must be JSON: our CSRF defence for the API."""
    # Only POST: a cross-site HTML form can send nothing else.
    if request.method != "POST" or not (request.blueprint or "").endswith("_v1"):
        return
    if request.url_rule is None:
        return  # no such route or method: the 404/405 says more than a 415
    if g.get("api_token") is None and not request.is_json:
        raise UnsupportedMediaType("Send JSON (Content-Type: application/json), or use a token.")


def _request_hash() -> str:
    return hashlib.sha256(request.method.encode() + request.full_path.encode() + b"\0" + request.get_data()).hexdigest()


def _replay_idempotent() -> Response | None:
    token = g.get("api_token")
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/api/v1/"):
        return None
    if token is None:
        raise UnprocessableEntity("Idempotency-Key needs a token (it is kept per token).")
    if len(key) > 255:
        raise UnprocessableEntity("An Idempotency-Key is at most 255 characters.")
    factory = current_app.extensions["session_factory"]
    with factory() as s:
        rec = s.scalar(select(IdempotencyRecord).where(IdempotencyRecord.token_id == token.id,
                                                      IdempotencyRecord.key == key))
        if rec is not None and rec.created_at < utcnow() - IDEMPOTENCY_TTL:
            s.delete(rec)
            s.commit()
            rec = None
        if rec is None:
            g.idempotency = (key, _request_hash())
            return None
        if rec.request_hash != _request_hash():
            raise UnprocessableEntity("This Idempotency-Key was used for a different request.")
        resp = Response(rec.body, status=rec.status_code, content_type=rec.content_type)
        resp.headers["Idempotent-Replayed"] = "true"
        return resp


def _store_idempotent(resp: Response) -> Response:
    pending = g.pop("idempotency", None)
    token = g.get("api_token")
    if pending is None or token is None or resp.status_code >= 500 or resp.status_code == 429:
        return resp
    key, digest = pending
    # The request's own session: what the view did not commit is no part of its answer (rolled
    # back), and a second session would sit inside the request's open transaction in tests.
    s = session()
    s.rollback()
    s.add(IdempotencyRecord(token_id=token.id, key=key, request_hash=digest, status_code=resp.status_code,
                            body=resp.get_data(as_text=True), content_type=resp.content_type or "application/json"))
    try:
        s.commit()
    except Exception:  # noqa: BLE001 - a concurrent twin stored it first; ours is the same answer
        s.rollback()
    return resp


def _headers(resp: Response) -> Response:
    rate = g.get("api_rate")
    if rate is not None:
        limit, remaining, reset = rate
        resp.headers["RateLimit-Limit"] = str(limit)
        resp.headers["RateLimit-Remaining"] = str(remaining)
        resp.headers["RateLimit-Reset"] = str(reset)
        if resp.status_code == 429:
            resp.headers["Retry-After"] = str(reset)
    link = g.get("api_link")
    if link:
        resp.headers["Link"] = link
    return resp


# Endpoints under /api/ that authenticate each request themselves (the inbound API: a source's
# token or an HMAC signature, idempotent on its natural keys).
OWN_AUTH_ENDPOINTS = frozenset({"api_inbound.receive_mentions"})


def _before() -> Response | None:
    if request.endpoint in OWN_AUTH_ENDPOINTS:
        return None
    _authenticate()
    return _replay_idempotent()


def init_app(app: Flask) -> None:
    """Token authentication before every /api/ request (before CSRF), headers after."""
    # First in line: CSRFProtect's own check must see g.api_token (token writes are exempt).
    app.before_request_funcs.setdefault(None, []).insert(0, _before)
    app.after_request(_store_idempotent)
    app.after_request(_headers)
