"""Personal access tokens for the API: create (the secret is shown once) and revoke."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.tokens import services as tokens
from web.db import session
from web.forms.tokens import TokenForm
from web.views.auth import requires

bp = Blueprint("tokens", __name__, url_prefix="/settings/tokens")


@bp.route("/", methods=["GET", "POST"])
@requires("view")
def index() -> Any:
    db = session()
    form = TokenForm()
    secret = None
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(gettext("Name the token and pick at least one scope."), "error")
        else:
            _token, secret = tokens.create_token(db, current_user, name=form.name.data or "",
                                                 scopes=form.scopes.data or [],
                                                 rate_limit=form.rate_limit.data or current_app.extensions["settings"].api_rate_limit)
            db.commit()
            flash(gettext("Token created. Copy it now: it is not shown again."), "success")
    mine = tokens.list_tokens(db, None if current_user.role == "admin" else current_user)
    return render_template("tokens/index.html", tokens=mine, form=form, secret=secret,
                           allowed=sorted(tokens.ROLE_SCOPES.get(current_user.role, set())), revoke_form=FlaskForm())


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@requires("view")
def revoke(token_id: int) -> Any:
    FlaskForm().validate_on_submit()
    db = session()
    token = tokens.revoke_token(db, token_id, actor=current_user)
    db.commit()
    flash(gettext("Token “%(name)s” revoked.", name=token.name), "info")
    return redirect(url_for("tokens.index"))
