"""The connector contract: plain frozen dataclasses, settings, and the Connector protocols.

A channel is one module with one class that satisfies ``ConnectorClass`` (its settings, source
kinds, query rules, minimum interval and "why disabled" text) and whose instances satisfy
``Connector`` (``fetch``). ``connectors/registry.py`` lists the classes; this module imports
none of them, so there is no registry <-> connector import circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import urlparse


@dataclass(frozen=True, slots=True)
class Author:
    """The account that wrote a mention, as the platform describes it."""

    id: str
    handle: str = ""
    display_name: str = ""
    profile_url: str | None = None
    avatar_url: str | None = None
    followers: int | None = None
    # Profile facts that identity matching reads (links to the person's other accounts).
    bio: str | None = None
    website: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    """One public item (post, comment, reply, mention, message) from any channel.

    ``created_at`` must be timezone-aware. ``raw`` keeps the platform's payload (and any
    unknown fields of an import) for reprocessing. Ingest validates everything again: a
    connector's output is still attacker-controlled text.
    """

    platform: str
    external_id: str
    author: Author
    created_at: datetime
    text: str = ""
    kind: str = "post"
    title: str | None = None
    url: str | None = None
    parent_id: str | None = None
    thread_id: str | None = None
    language: str | None = None
    channel: str | None = None  # subreddit, forum board, feed
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a source's next poll resumes; opaque to everything but its connector."""

    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One bounded poll: the mentions found, the cursor after them, and items that failed to map."""

    mentions: list[Mention]
    next_cursor: Cursor
    failures: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    exhausted: bool = True  # False when the per-run bound stopped us before the end


class Connector(Protocol):
    """A channel. ``fetch`` returns everything new since ``cursor``, bounded per run.

    ``backfill_hours`` is how far back the first poll (``cursor`` None or without a floor)
    reaches; None means the connector's own default. The poll job passes the source's window.
    """

    platform: str
    source_kinds: tuple[str, ...]

    def fetch(
        self, kind: str, query: str, cursor: Cursor | None, *, backfill_hours: float | None = None
    ) -> FetchResult: ...


# --- settings -------------------------------------------------------------------------------

SETTING_TYPES = ("str", "url", "int", "float")


@dataclass(frozen=True, slots=True)
class Setting:
    """One environment variable a connector reads; ``type`` picks the parser (see ``parse``)."""

    name: str
    required: bool = False
    default: str | None = None
    secret: bool = False
    help: str = ""
    type: str = "str"  # one of SETTING_TYPES


def value(values: Mapping[str, str | None], setting: Setting) -> str | None:
    """A setting's value with blanks treated as unset and the default applied."""
    raw = values.get(setting.name)
    if raw is None or not raw.strip():
        return setting.default
    return raw.strip()


def setting_problem(values: Mapping[str, str | None], setting: Setting) -> str | None:
    """Why a set value is junk (naming the variable), or None when it is usable or unset."""
    v = value(values, setting)
    if v is None:
        return None
    if setting.type == "url":
        parsed = urlparse(v)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return f"{setting.name} must be an http:// or https:// URL, got {v!r}"
    elif setting.type in ("int", "float"):
        try:
            number = int(v) if setting.type == "int" else float(v)
        except ValueError:
            return f"{setting.name} must be a number, got {v!r}"
        if not number > 0:
            return f"{setting.name} must be above 0, got {v!r}"
    return None


# A single API client serves many sources; no source should take more than this share of it.
SOURCES_PER_CLIENT = 20


def budget_interval(per_poll: int, limit: int, window_seconds: int) -> int:
    """The shortest poll interval that keeps one source within 1/SOURCES_PER_CLIENT of a budget.

    ``per_poll`` requests per poll of an up-to-date source, ``limit`` requests allowed per
    ``window_seconds``: interval = per_poll * window / (limit / SOURCES_PER_CLIENT).
    """
    return max(1, round(per_poll * window_seconds * SOURCES_PER_CLIENT / limit))


class ConnectorClass(Protocol):
    """What a connector class tells the registry, the source form and the poll job.

    Class attributes: ``platform`` (the stored name), ``label`` (shown), ``source_kinds`` (all
    kinds it can poll, each with a label in ``kind_labels``), ``settings`` (the environment
    variables it reads). Class methods answer for given setting values, so nothing needs an
    instance (or the SDK's network) to fill a form.
    """

    platform: ClassVar[str]
    label: ClassVar[str]
    source_kinds: tuple[str, ...]
    kind_labels: ClassVar[Mapping[str, str]]
    settings: ClassVar[tuple[Setting, ...]]

    @classmethod
    def kinds_for(cls, values: Mapping[str, str | None]) -> tuple[str, ...]:
        """The kinds usable with these (complete, valid) settings."""
        ...

    @classmethod
    def disabled_reason(cls, values: Mapping[str, str | None], kind: str | None = None) -> str | None:
        """Why the connector (or ``kind`` of it) cannot run with these settings, or None."""
        ...

    @classmethod
    def normalize_query(cls, kind: str, query: str) -> str:
        """The canonical form of a source query."""
        ...

    @classmethod
    def validate_query(cls, kind: str, query: str) -> str | None:
        """An error message a user can act on (ending with "."), or None."""
        ...

    @classmethod
    def min_interval_seconds(cls, kind: str) -> int:
        """The shortest sensible poll interval for ``kind``, from the platform's documented limits."""
        ...

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> Connector:
        """A ready connector from environment-style values (the registry has checked them)."""
        ...


class ConnectorBase:
    """Defaults for ``ConnectorClass``: required settings and per-kind extra settings.

    ``kind_settings`` names settings a kind needs beyond the required ones (Reddit mentions need
    a login); ``disabled_reason`` then says exactly which variables to set.
    """

    platform: ClassVar[str]
    label: ClassVar[str]
    source_kinds: tuple[str, ...] = ()
    kind_labels: ClassVar[Mapping[str, str]] = {}
    settings: ClassVar[tuple[Setting, ...]] = ()
    kind_settings: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    @classmethod
    def _missing(cls, values: Mapping[str, str | None], names: tuple[str, ...]) -> list[str]:
        by_name = {s.name: s for s in cls.settings}
        return [n for n in names if value(values, by_name[n]) is None]

    @classmethod
    def disabled_reason(cls, values: Mapping[str, str | None], kind: str | None = None) -> str | None:
        """Junk values first, then missing required settings, then what ``kind`` also needs."""
        for setting in cls.settings:
            problem = setting_problem(values, setting)
            if problem:
                return f"{cls.label} is disabled: {problem}"
        missing = cls._missing(values, tuple(s.name for s in cls.settings if s.required))
        if missing:
            return f"{cls.label} is disabled: set {' and '.join(missing)}"
        if kind is not None:
            if kind not in cls.source_kinds:
                return f"{cls.label} sources can be: {', '.join(cls.source_kinds)}."
            extra = cls._missing(values, cls.kind_settings.get(kind, ()))
            if extra:
                return f"{cls.label} {kind} sources need {' and '.join(extra)} to be set"
        return None

    @classmethod
    def kinds_for(cls, values: Mapping[str, str | None]) -> tuple[str, ...]:
        """Every kind whose extra settings are set."""
        return tuple(
            k for k in cls.source_kinds if not cls._missing(values, cls.kind_settings.get(k, ()))
        )

    @classmethod
    def normalize_query(cls, kind: str, query: str) -> str:
        """Strip surrounding blanks; connectors with prefixes to drop override this."""
        return query.strip()
