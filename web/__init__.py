"""The Flask app: factory, blueprints per area, templates, forms, JSON API and CLI."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from crm.settings import Settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` may carry SETTINGS, SESSION_FACTORY and JOB_QUEUE."""
    from listeners import runtime
    from listeners.queue import make_queue
    from web import db, errors, filters
    from web.views import (
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
        search,
        sentiment,
        sources,
        tokens,
        webhooks,
    )

    app = Flask(__name__)
    test_config = test_config or {}
    settings: Settings = test_config.get("SETTINGS") or Settings.from_env()
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=2 * 1024**3,
        WTF_CSRF_TIME_LIMIT=None,
    )
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
    auth.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    for module in (overview, members, search, sources, imports, quarantine, inbox, reminders, metrics, identities,
                   sentiment, privacy, webhooks, tokens):
        app.register_blueprint(module.bp)
    from web.api import segments as api_segments
    from web.api import v1 as api_v1
    from web.views import exports, segments

    api_v1.init_app(app)
    for module in (segments, exports, api_segments):
        app.register_blueprint(module.bp)
    from web.views import alerts

    alerts.init_app(app)  # the blueprint and the nav badge
    return app
