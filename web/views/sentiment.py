"""Sentiment: the team corrects a label; the report of how often the analyzer agrees."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import current_user

from crm.interactions import corrections
from web.db import session
from web.forms.base import flash_errors
from web.forms.sentiment import LabelForm
from web.views.auth import requires, safe_next

bp = Blueprint("sentiment", __name__)


@bp.route("/interactions/<int:interaction_id>/label", methods=["POST"])
@requires("curate")
def correct(interaction_id: int) -> Any:
    form = LabelForm()
    back = safe_next(form.next.data or request.referrer and _path(request.referrer))
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    db = session()
    if form.label.data == "undo":
        item = corrections.undo_correction(db, interaction_id)
        message = f"Label set back to the analyzer's: {item.sentiment_label}."
    else:
        item = corrections.correct_label(db, interaction_id, form.label.data, user_id=current_user.id)
        message = f"Label corrected to {item.sentiment_label}; counts, inbox and alerts follow."
    db.commit()
    flash(message, "success")
    return redirect(back)


def _path(url: str) -> str:
    """The path and query of a same-site referrer (safe_next refuses anything else)."""
    root = request.host_url
    return url[len(root) - 1:] if url.startswith(root) else ""


@bp.route("/sentiment/corrections")
@requires("view")
def report() -> Any:
    db = session()
    return render_template(
        "sentiment/corrections.html",
        languages=corrections.agreement(db),
        recent=corrections.recent_corrections(db),
    )
