"""Translations and time zones outside a web request: e-mails, exports, the CLI.

The UI's catalogue (crm/translations, English and German) is read with Babel directly, so
jobs and commands speak the language of the user they write to without importing Flask.
The web app reads the same catalogue through Flask-Babel.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("en", "de")


@lru_cache(maxsize=8)
def translations(language: str | None) -> NullTranslations:
    """The catalogue for ``language`` ('de'); English (the msgids) for anything else."""
    if language not in LANGUAGES or language == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language])


class Speaker:
    """Words and times for one reader: their language and time zone."""

    def __init__(self, language: str | None, timezone: str | None) -> None:
        self.language = language if language in LANGUAGES else "en"
        self.zone = ZoneInfo(timezone or "UTC")
        self._t = translations(self.language)

    def _(self, message: str, **values: Any) -> str:
        """A translated message, %(name)s placeholders filled."""
        text = self._t.gettext(message)
        return text % values if values else text

    def n_(self, singular: str, plural: str, num: int, **values: Any) -> str:
        """The singular or plural form for ``num`` (available as %(num)s)."""
        text = self._t.ngettext(singular, plural, num)
        return text % {"num": num, **values}

    def when(self, value: datetime, fmt: str = "short") -> str:
        """A time in the reader's zone and language ('07.12.26, 20:15')."""
        return format_datetime(value, fmt, tzinfo=self.zone, locale=self.language)
