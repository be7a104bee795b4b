"""Outgoing webhooks: subscriptions per event, the delivery log with "redeliver", on/off (admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from crm.webhooks import services as hooks
from web.db import session
from web.forms.webhooks import SubscriptionForm
from web.views.auth import requires

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _allow() -> tuple[str, ...]:
    return tuple(current_app.extensions["settings"].outgoing_allow)


@bp.route("/", methods=["GET", "POST"])
@requires("admin")
def index() -> Any:
    db = session()
    form = SubscriptionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(gettext("Give an endpoint URL and pick at least one event."), "error")
        else:
            sub = hooks.create_subscription(db, url=form.url.data or "", events=form.events.data or [],
                                            name=form.name.data or "", actor_id=current_user.id,
                                            allow=_allow())
            db.commit()
            flash(gettext("Webhook created. Copy its signing secret now: it verifies every delivery."), "success")
            return redirect(url_for("webhooks.show", sub_id=sub.id, new=1))
    return render_template("webhooks/index.html", subs=hooks.list_subscriptions(db), form=form,
                           disable_after=hooks.DISABLE_AFTER)


@bp.route("/<int:sub_id>")
@requires("admin")
def show(sub_id: int) -> Any:
    db = session()
    sub = hooks.get_subscription(db, sub_id)
    return render_template("webhooks/show.html", sub=sub, deliveries=hooks.list_deliveries(db, sub_id),
                           counts=hooks.counts_by_status(db, sub_id), show_secret=bool(request.args.get("new")),
                           form=FlaskForm())


@bp.route("/<int:sub_id>/toggle", methods=["POST"])
@requires("admin")
def toggle(sub_id: int) -> Any:
    FlaskForm().validate_on_submit()
    db = session()
    sub = hooks.set_enabled(db, sub_id, request.form.get("enabled") == "1")
    db.commit()
    flash(gettext("Webhook switched on.") if sub.enabled else gettext("Webhook switched off."), "success")
    return redirect(url_for("webhooks.show", sub_id=sub_id))


@bp.route("/<int:sub_id>/delete", methods=["POST"])
@requires("admin")
def delete(sub_id: int) -> Any:
    FlaskForm().validate_on_submit()
    db = session()
    hooks.delete_subscription(db, sub_id)
    db.commit()
    flash(gettext("Webhook deleted with its delivery log."), "info")
    return redirect(url_for("webhooks.index"))


@bp.route("/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@requires("admin")
def redeliver(delivery_id: int) -> Any:
    FlaskForm().validate_on_submit()
    db = session()
    d = hooks.redeliver(db, delivery_id)
    sub_id = d.subscription_id
    db.commit()
    from listeners.webhooks import kick_deliveries

    kick_deliveries()
    flash(gettext("Delivery %(id)s queued again.", id=delivery_id), "success")
    return redirect(url_for("webhooks.show", sub_id=sub_id))
