"""Inbound API sources in the UI: create one, see how to call it, rotate or reveal its secrets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from crm.errors import InvalidInput
from crm.inbound import services as inbound
from crm.sources import services as sources
from web.db import session
from web.forms.inbound import InboundForm
from web.views.auth import requires

bp = Blueprint("inbound", __name__, url_prefix="/sources/inbound")


def _endpoint() -> str:
    return url_for("api_inbound.receive_mentions", _external=True)


def _credentials_page(creds: inbound.NewCredentials, *, token_shown: bool) -> Any:
    return render_template(
        "sources/inbound_credentials.html", source=creds.source, token=creds.token if token_shown else None,
        signing_secret=creds.signing_secret, endpoint=_endpoint(), max_skew=inbound.MAX_SKEW,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("manage_sources")
def new() -> Any:
    """Create an inbound source and show its token (once) and signing secret."""
    form = InboundForm()
    if form.validate_on_submit():
        creds = inbound.create_inbound_source(
            session(), name=form.name.data or "", app_secret=current_app.config["SECRET_KEY"],
            user_id=current_user.id,
        )
        session().commit()
        return _credentials_page(creds, token_shown=True)
    return render_template("sources/inbound_form.html", form=form), (422 if form.errors else 200)


@bp.route("/<int:source_id>/rotate", methods=["POST"])
@requires("manage_sources")
def rotate(source_id: int) -> Any:
    """New token and signing secret; the old ones stop working at once."""
    creds = inbound.rotate_credentials(session(), source_id, app_secret=current_app.config["SECRET_KEY"])
    session().commit()
    return _credentials_page(creds, token_shown=True)


@bp.route("/<int:source_id>/secret", methods=["POST"])
@requires("manage_sources")
def reveal(source_id: int) -> Any:
    """Show the signing secret again (the token cannot be shown: only its hash is kept)."""
    source = sources.get_source(session(), source_id)
    if source.kind != inbound.KIND:
        raise InvalidInput(gettext("This source is not an inbound API source."))
    secret = inbound.signing_secret_of(session(), source_id, app_secret=current_app.config["SECRET_KEY"])
    return _credentials_page(inbound.NewCredentials(source, "", secret), token_shown=False)
