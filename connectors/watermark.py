"""The delivered-so-far mark of a newest-first, time-ordered listing (HN search, Bluesky feeds).

Search indexes lag: an item written at 12:00:00 may be listed only at 12:00:40, after a poll
that already went past 12:00:00. So a poll reaches back ``overlap`` seconds below the newest
item it delivered, and remembers the ids it delivered inside that window, so a late item is
picked up and nothing is delivered twice. Stored in the cursor as::

    {"since": 1717000000.0,            # newest timestamp delivered (None before the first)
     "recent": {"id": 1716999990.0}}   # ids delivered within ``overlap`` of ``since``

A poll stopped by its per-run bound keeps walking older pages from where it stopped next time
(the connector stores its page position next to these values); ``since`` only moves when the
walk reaches the mark, so an interrupted walk loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_RECENT = 5000  # ids kept for the overlap window; a busier window re-delivers (harmless)


@dataclass
class Watermark:
    """Where delivery stands; see the module docstring."""

    overlap: float
    since: float | None = None
    recent: dict[str, float] = field(default_factory=dict)
    floor: float | None = None  # first poll: nothing older than this (the backfill window)
    newest: float | None = None  # newest timestamp seen in this walk

    @classmethod
    def load(cls, values: Mapping[str, Any], overlap: float, floor: float | None) -> Watermark:
        """From cursor values; ``floor`` applies only while nothing was delivered yet."""
        since = values.get("since")
        since = float(since) if isinstance(since, int | float) else None
        raw = values.get("recent")
        recent = {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)} if isinstance(raw, dict) else {}
        newest = values.get("walk_newest")
        return cls(
            overlap=overlap, since=since, recent=recent,
            floor=floor if since is None else None,
            newest=float(newest) if isinstance(newest, int | float) else None,
        )

    @property
    def lower_bound(self) -> float | None:
        """The oldest timestamp this poll still needs to look at."""
        if self.since is not None:
            return self.since - self.overlap
        return self.floor

    def below(self, ts: float) -> bool:
        """True when ``ts`` is older than anything this poll needs: the walk can stop."""
        bound = self.lower_bound
        return bound is not None and ts < bound

    def wants(self, item_id: str, ts: float) -> bool:
        """Deliver this item? (Not below the bound and not delivered in the overlap window.)"""
        if self.below(ts):
            return False
        return item_id not in self.recent

    def delivered(self, item_id: str, ts: float) -> None:
        """Remember a delivered item."""
        self.recent[item_id] = ts
        if self.newest is None or ts > self.newest:
            self.newest = ts

    def seen(self, ts: float) -> None:
        """Note a timestamp seen (also of items that failed to map), so ``since`` covers it."""
        if self.newest is None or ts > self.newest:
            self.newest = ts

    def values(self, *, walk_done: bool) -> dict[str, Any]:
        """Cursor values; a finished walk moves ``since`` up to the newest item seen."""
        since = self.since
        if walk_done and self.newest is not None:
            since = self.newest if since is None else max(since, self.newest)
        out: dict[str, Any] = {"since": since}
        if since is not None:
            keep = since - self.overlap
            recent = {k: v for k, v in self.recent.items() if v >= keep}
            if len(recent) > MAX_RECENT:
                recent = dict(sorted(recent.items(), key=lambda kv: kv[1])[-MAX_RECENT:])
            out["recent"] = recent
        else:
            out["recent"] = dict(self.recent)
        if not walk_done:
            out["walk_newest"] = self.newest
            if self.since is None and self.floor is not None:
                out["floor"] = self.floor
        return out
