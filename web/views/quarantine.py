"""The quarantine: items that failed validation, with the reason and the raw payload."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from crm.errors import InvalidInput
from crm.interactions.services import list_quarantine
from listeners.quarantine import delete_item, retry_item
from web.db import session
from web.forms.base import ActionForm
from web.params import arg_int
from web.views.auth import requires

bp = Blueprint("quarantine", __name__, url_prefix="/quarantine")
PER_PAGE = 50


@bp.route("/")
@requires("view")
def index() -> Any:
    db = session()
    origin = request.args.get("origin", "").strip()[:300]
    found = list_quarantine(db, origin=origin, page=arg_int("page", 1), per_page=PER_PAGE)
    return render_template(
        "quarantine/index.html", items=found.items, total=found.total, page=found.page, pages=found.pages, origin=origin,
        pretty=lambda raw: json.dumps(raw, ensure_ascii=False, indent=2)[:5000], action=ActionForm(),
    )


def _back() -> Any:
    return redirect(request.referrer if (request.referrer or "").split("?")[0].endswith("/quarantine/")
                    else url_for("quarantine.index"))


@bp.route("/<int:item_id>/retry", methods=["POST"])
@requires("admin")
def retry(item_id: int) -> Any:
    """Ingest an import line again after the cause was fixed (admins)."""
    if not ActionForm().validate_on_submit():
        raise InvalidInput(gettext("The form is incomplete or expired; reload the page."))
    db = session()
    ok, reason = retry_item(db, item_id)
    db.commit()
    if ok:
        flash(gettext("Imported: the item left the quarantine."), "success")
    else:
        flash(gettext("Still not valid: %(reason)s", reason=reason), "warning")
    return _back()


@bp.route("/<int:item_id>/delete", methods=["POST"])
@requires("admin")
def delete(item_id: int) -> Any:
    """Remove a quarantined item for good (admins)."""
    if not ActionForm().validate_on_submit():
        raise InvalidInput(gettext("The form is incomplete or expired; reload the page."))
    db = session()
    delete_item(db, item_id)
    db.commit()
    flash(gettext("Deleted from the quarantine."), "info")
    return _back()
