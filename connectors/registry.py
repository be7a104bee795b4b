"""Which connectors exist, which are usable with the current settings, and why not.

The registry only lists connector classes and asks them: each class owns its settings, source
kinds, query rules, minimum interval and "why disabled" text (see ``ConnectorClass`` in
``connectors/base.py``). Connector modules import ``connectors.base``, never this module, so
there is no import circle. The classes are imported on first use, so importing this module
does not import any SDK. Adding a channel: write ``connectors/<name>.py`` and add its class
to ``_CLASSES`` below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from connectors.base import Setting, value
from connectors.errors import ConnectorDisabled

if TYPE_CHECKING:
    from connectors.base import Connector, ConnectorClass

def _reddit() -> type:
    from connectors.reddit import RedditConnector

    return RedditConnector


def _x() -> type:
    from connectors.x import XConnector

    return XConnector


def _mastodon() -> type:
    from connectors.mastodon import MastodonConnector

    return MastodonConnector


def _rss() -> type:
    from connectors.rss import RSSConnector

    return RSSConnector


def _bluesky() -> type:
    from connectors.bluesky import BlueskyConnector

    return BlueskyConnector


def _discourse() -> type:
    from connectors.discourse import DiscourseConnector

    return DiscourseConnector


def _hackernews() -> type:
    from connectors.hackernews import HackerNewsConnector

    return HackerNewsConnector


# One loader per channel, in the order the UI lists them.
_CLASSES: tuple[Callable[[], type], ...] = (_reddit, _x, _mastodon, _bluesky, _rss, _discourse, _hackernews)


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    """Whether a platform can be used, in words an operator can act on."""

    platform: str
    enabled: bool
    reason: str
    source_kinds: tuple[str, ...]
    label: str = ""
    kind_labels: Mapping[str, str] | None = None


@cache
def connector_classes() -> dict[str, ConnectorClass]:
    """All connector classes by platform (imports the SDKs on first call)."""
    classes: list[ConnectorClass] = [load() for load in _CLASSES]  # type: ignore[misc]
    return {cls.platform: cls for cls in classes}


def setting_names() -> list[str]:
    """Every environment variable any connector reads."""
    return [s.name for cls in connector_classes().values() for s in cls.settings]


def _status(cls: ConnectorClass, values: Mapping[str, str | None]) -> ConnectorStatus:
    labels = dict(cls.kind_labels)
    reason = cls.disabled_reason(values)
    if reason:
        return ConnectorStatus(cls.platform, False, reason, (), cls.label, labels)
    kinds = cls.kinds_for(values)
    text = f"{cls.label} is enabled for: {', '.join(kinds)}"
    off = [k for k in cls.source_kinds if k not in kinds]
    hints = [cls.disabled_reason(values, k) for k in off]
    if hints:
        text += " (" + "; ".join(h for h in hints if h) + ")"
    return ConnectorStatus(cls.platform, True, text, kinds, cls.label, labels)


def available(config_values: Mapping[str, str | None]) -> list[ConnectorStatus]:
    """Every known connector with whether it is enabled and why (or why not)."""
    return [_status(cls, config_values) for cls in connector_classes().values()]


def _class(platform: str) -> ConnectorClass:
    classes = connector_classes()
    if platform not in classes:
        raise ConnectorDisabled(f"Unknown platform {platform!r}; known: {', '.join(classes)}")
    return classes[platform]


def build(platform: str, config_values: Mapping[str, str | None]) -> Connector:
    """A ready connector for ``platform``; raises ConnectorDisabled saying what to set."""
    cls = _class(platform)
    reason = cls.disabled_reason(config_values)
    if reason:
        raise ConnectorDisabled(reason)
    return cls.from_values(config_values)


def disabled_reason(
    platform: str, kind: str | None, config_values: Mapping[str, str | None]
) -> str | None:
    """Why a source of ``platform`` (and ``kind``) could not poll with these settings, or None."""
    try:
        cls = _class(platform)
    except ConnectorDisabled as exc:
        return str(exc)
    return cls.disabled_reason(config_values, kind)


# --- source queries: asked of the class ------------------------------------------------------


def kinds() -> dict[str, tuple[str, ...]]:
    """Every platform's source kinds."""
    return {p: cls.source_kinds for p, cls in connector_classes().items()}


def kind_labels() -> dict[str, str]:
    """A label for every source kind of every connector (first connector wins on a shared kind)."""
    labels: dict[str, str] = {}
    for cls in connector_classes().values():
        for kind, label in cls.kind_labels.items():
            labels.setdefault(kind, label)
    return labels


def normalize_query(platform: str, kind: str, query: str) -> str:
    """The canonical form of a source query (``r/Python`` becomes ``Python``)."""
    classes = connector_classes()
    if platform not in classes:
        return query.strip()
    return classes[platform].normalize_query(kind, query)


def validate_query(platform: str, kind: str, query: str) -> str | None:
    """An error message a user can act on, or None when the query is fine."""
    classes = connector_classes()
    if platform not in classes:
        return f"Unknown platform {platform!r}."
    cls = classes[platform]
    if kind not in cls.source_kinds:
        return f"{platform} sources can be: {', '.join(cls.source_kinds)}."
    return cls.validate_query(kind, cls.normalize_query(kind, query))


def min_interval_seconds(platform: str, kind: str) -> int:
    """The shortest sensible poll interval for a source (the class derives it from its limits)."""
    classes = connector_classes()
    if platform not in classes or kind not in classes[platform].source_kinds:
        raise ValueError(f"no rate budget for {platform}/{kind}")
    return classes[platform].min_interval_seconds(kind)


def env_values(lookup: Callable[[str], str | None]) -> dict[str, str | None]:
    """Every connector setting's value by name, read through ``lookup``."""
    return {name: lookup(name) for name in setting_names()}


__all__ = [
    "ConnectorStatus", "Setting", "available", "build", "connector_classes", "disabled_reason",
    "env_values", "kind_labels", "kinds", "min_interval_seconds", "normalize_query", "setting_names",
    "validate_query", "value",
]  # fmt: skip
