"""Languages and time zones: Flask-Babel set up per request from the user, then the browser.

The UI speaks English and German (web/translations). The language is the user's own setting,
else the browser's Accept-Language, else DEFAULT_LANGUAGE; times are shown in the user's time
zone, else DEFAULT_TIMEZONE (Europe/Berlin: the teams this is built for are mostly there).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale
from flask_login import current_user

from crm.locale import TRANSLATIONS_DIR
from crm.users.services import LANGUAGES

babel = Babel()


def _settings() -> Any:
    return current_app.extensions["settings"]


def select_locale() -> str:
    """The user's language, else the browser's best match, else the site default."""
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return str(current_user.language)
    if request:
        best = request.accept_languages.best_match(LANGUAGES)
        if best:
            return best
    return str(_settings().default_language)


def select_timezone() -> str:
    """The user's time zone, else DEFAULT_TIMEZONE."""
    if current_user and current_user.is_authenticated and current_user.timezone:
        return str(current_user.timezone)
    return str(_settings().default_timezone)


def user_zone() -> ZoneInfo:
    """The time zone of this request as a ZoneInfo (for dates typed into forms)."""
    return ZoneInfo(select_timezone())


def timezone_choices() -> list[str]:
    """Every IANA zone a user may pick, sorted, the common ones of the team first."""
    first = ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "UTC"]
    rest = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return first + [z for z in rest if z not in first]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(TRANSLATIONS_DIR))
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
