"""Login, logout, and the role checks every view goes through."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import CSRFProtect

from crm.errors import PermissionDenied
from crm.users.models import User
from crm.users.services import authenticate, can, rotate_session_token, user_for_session
from web.api.v1.auth import require_json_for_session_writes, scope_for
from web.db import session
from web.forms.auth import LoginForm
from web.throttle import LoginThrottle

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])
# Endpoints reachable without a login. A test walks the URL map against this list.
# The inbound API authenticates each request with its own token or signature; the API's
# document and docs page are public.
PUBLIC_ENDPOINTS = frozenset({
    "auth.login", "static", "views.health", "api_inbound.receive_mentions", "api-docs.openapi_json", "api_docs",
})


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session or remember-me cookie ("id:token"); a rotated token is no user."""
    return user_for_session(session(), session_id)


def requires(permission: str) -> Callable[[F], F]:
    """Decorator: the view needs a login and a role that grants ``permission``."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, permission):
                raise PermissionDenied(gettext("Your role (%(role)s) may not do this.", role=current_user.role))
            token = g.get("api_token")
            if token is not None and scope_for(permission) not in token.scopes:
                raise PermissionDenied(gettext("This token lacks the '%(scope)s' scope.", scope=scope_for(permission)))
            require_json_for_session_writes()
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the dashboard (no open redirects)."""
    if not target:
        return url_for("views.dashboard")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("views.dashboard")
    # Browsers read "/\\host" as "//host" and drop tabs and newlines inside URLs.
    if "\\" in target or any(ch < " " or ch == "\x7f" for ch in target):
        return url_for("views.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("views.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        db = session()
        throttle: LoginThrottle = current_app.extensions["login_throttle"]
        email, address = form.email.data or "", request.remote_addr or "unknown"
        # A blocked try is not checked at all: the answer says nothing about the password.
        wait = throttle.blocked(email, address)
        if wait:
            minutes = math.ceil(wait / 60)
            form.password.errors.append(ngettext(
                "Too many failed sign-ins. Try again in %(num)d minute.",
                "Too many failed sign-ins. Try again in %(num)d minutes.", minutes,
            ))
            status = 429
        else:
            user = authenticate(db, email, form.password.data or "")
            if user is None:
                throttle.failed(email, address)
                form.password.errors.append(gettext("The e-mail or the password is wrong."))
            else:
                db.commit()
                throttle.succeeded(email)
                login_user(user, remember=bool(form.remember.data))
                return redirect(safe_next(request.args.get("next")))
    if form.errors and status == 200:
        status = 422
    response = render_template("login.html", form=form), status
    if status == 429:
        return (*response, {"Retry-After": str(wait)})
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    """Sign out: the session token rotates, so no copy of this session's cookies works again."""
    db = session()
    user = db.get(User, current_user.id)
    if user is not None:
        rotate_session_token(user)
        db.commit()
    logout_user()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    """The API answers 401 JSON; pages redirect to the login form."""
    from web.errors import wants_json

    if request.path.startswith("/api/"):
        from web.errors import _respond

        return _respond(401, "Unauthorized", "Sign in first, or send 'Authorization: Bearer crm_...'.")
    if wants_json():
        return jsonify(error="Unauthorized", message="Sign in first."), 401  # the API stays English
    flash(gettext("Please sign in to see this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def init_app(app: Flask, throttle: LoginThrottle) -> None:
    app.extensions["login_throttle"] = throttle
    login_manager.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(bp)

    # A global rather than a context variable: imported macros (an interaction's "correct
    # label" control) ask it too.
    app.jinja_env.globals["can"] = lambda perm: can(current_user, perm) if current_user.is_authenticated else False
