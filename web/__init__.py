"""The Flask app: factory, blueprints per area, templates, forms, JSON API and CLI."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request

from crm.settings import Settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` may carry SETTINGS, SESSION_FACTORY and JOB_QUEUE."""
    from listeners import runtime
    from listeners.queue import make_queue
    from web import db, edge, errors, filters, i18n, security
    from web.views import (
        account,
        auth,
        identities,
        imports,
        inbox,
        members,
        metrics,
        overview,
        privacy,
        quarantine,
        reminders,
        replies,
        search,
        sentiment,
        sources,
        tokens,
        webhooks,
    )

    app = edge.App(__name__)
    # Before any blueprint: every <int:...> in a route answers 404 beyond a BIGINT.
    app.url_map.converters["int"] = edge.BoundedIntConverter
    test_config = test_config or {}
    settings: Settings = test_config.get("SETTINGS") or Settings.from_env()
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024**2,
        WTF_CSRF_TIME_LIMIT=None,
    )
    security.init_app(app, settings)
    app.before_request(lambda: edge.refuse_json_outside_the_api(request))
    app.before_request(lambda: edge.check_api_json(request))
    app.config.update({k: v for k, v in test_config.items() if k.isupper()})
    app.extensions["settings"] = settings
    job_queue = test_config.get("JOB_QUEUE") or make_queue(
        settings, background=test_config.get("INLINE_BACKGROUND", True)
    )
    rt = runtime.configure(settings, test_config.get("SESSION_FACTORY"), job_queue)
    app.extensions["session_factory"] = rt.session_factory
    app.extensions["job_queue"] = job_queue
    logging.basicConfig(level=settings.log_level)

    db.init_app(app)
    from web.throttle import LoginThrottle

    i18n.init_app(app)
    auth.init_app(app, LoginThrottle.from_settings(settings, test_config.get("LOGIN_THROTTLE_STORAGE")))
    errors.init_app(app)
    filters.init_app(app)
    for module in (account, overview, members, search, sources, imports, quarantine, inbox, reminders, metrics, identities,
                   sentiment, privacy, webhooks, tokens, replies):
        app.register_blueprint(module.bp)
    from web.api import inbound as api_inbound
    from web.api import v1 as api_v1
    from web.views import exports, segments
    from web.views import inbound as inbound_views

    api_v1.init_app(app)
    app.register_blueprint(api_inbound.bp)
    app.register_blueprint(inbound_views.bp)
    for module in (segments, exports):
        app.register_blueprint(module.bp)
    from web.views import alerts

    alerts.init_app(app)  # the blueprint and the nav badge
    from web.views import live, sla

    sla.init_app(app)  # the settings pages and the inbox items' SLA badge
    app.register_blueprint(live.bp)
    return app
