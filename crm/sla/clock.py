"""Business-time arithmetic in a team's IANA time zone: weekly hours, holidays, DST.

A calendar is a weekly schedule of local opening windows (minutes after local midnight,
1440 = the next midnight) plus holiday dates on which it is closed. Each day's windows are
turned into UTC instants through ``zoneinfo`` one day at a time, so a day of 23 or 25 hours
(a DST change) counts the hours that really pass: 00:00-04:00 on the night the clocks go
forward is 3 hours of business time. A local time that does not exist (02:30 on that night)
maps as ``zoneinfo`` maps it with ``fold=0`` (the offset before the change).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from crm.errors import InvalidInput

# A calendar with no opening in this many days is treated as never open (no due time).
SEARCH_DAYS = 3 * 366
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or InvalidInput naming the ``timezone`` field."""
    name = (name or "").strip()
    if not name or name not in available_timezones():
        raise InvalidInput(
            f"{name or 'An empty name'} is not an IANA time zone (like Europe/Berlin).",
            field="timezone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unloadable
        raise InvalidInput(f"{name} is not an IANA time zone.", field="timezone") from exc


def _local(d: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``minute`` minutes after local midnight of ``d`` (1440 = next midnight)."""
    day, minute = (d + timedelta(days=1), 0) if minute >= 1440 else (d, minute)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Calendar:
    """Opening windows per weekday (0 = Monday) in ``tz``, closed on ``holidays`` (local dates)."""

    tz: ZoneInfo
    weekly: Mapping[int, Sequence[tuple[int, int]]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def always(cls) -> Calendar:
        """Open around the clock (a policy without a team counts wall-clock time)."""
        return cls(ZoneInfo("UTC"), {d: ((0, 1440),) for d in range(7)})

    @property
    def is_never_open(self) -> bool:
        return not any(s < e for windows in self.weekly.values() for s, e in windows)

    def windows(
        self, start: datetime, end: datetime | None = None
    ) -> Iterator[tuple[datetime, datetime]]:
        """Open windows (UTC start, UTC end) that overlap [start, end), in order, clipped to it.

        Without ``end`` it runs on for at most SEARCH_DAYS local days.
        """
        if self.is_never_open:
            return
        day = start.astimezone(self.tz).date() - timedelta(days=1)  # a window may cross midnight
        last = (
            end.astimezone(self.tz).date() if end is not None else day + timedelta(days=SEARCH_DAYS)
        ) + timedelta(days=1)
        while day <= last:
            if day not in self.holidays:
                for s_min, e_min in sorted(self.weekly.get(day.weekday(), ())):
                    if s_min >= e_min:
                        continue
                    s, e = _local(day, s_min, self.tz), _local(day, e_min, self.tz)
                    s, e = max(s, start), e if end is None else min(e, end)
                    if s < e:
                        yield s, e
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: float) -> datetime | None:
        """The instant ``minutes`` business minutes after ``start``; None if it never opens."""
        left = timedelta(minutes=minutes)
        if left <= timedelta(0):
            return start
        for s, e in self.windows(start):
            if e - s >= left:
                return s + left
            left -= e - s
        return None

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Business seconds between two instants (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        return sum((e - s).total_seconds() for s, e in self.windows(start, end))

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` falls inside an opening window."""
        return any(True for _ in self.windows(at, at + timedelta(seconds=1)))


def parse_hhmm(text: str, *, end: bool = False) -> int:
    """'09:30' -> 570 minutes; '24:00' is allowed as an end. InvalidInput otherwise."""
    raw = (text or "").strip()
    try:
        hh, mm = raw.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise InvalidInput(f"{raw or 'An empty time'} is not a time like 09:00.") from None
    if (h == 24 and m == 0 and end) or (0 <= h <= 23 and 0 <= m <= 59):
        return h * 60 + m
    raise InvalidInput(f"{raw} is not a time of day (00:00 to 24:00).")


def fmt_hhmm(minute: int) -> str:
    """570 -> '09:30'."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_windows(text: str) -> list[tuple[int, int]]:
    """'09:00-12:00, 13:00-17:30' -> [(540, 720), (780, 1050)]; empty text is a closed day."""
    out: list[tuple[int, int]] = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" not in part:
            raise InvalidInput(f"{part} is not a range like 09:00-17:00.")
        a, b = part.split("-", 1)
        s, e = parse_hhmm(a), parse_hhmm(b, end=True)
        if s >= e:
            raise InvalidInput(f"{part}: the end must come after the start.")
        out.append((s, e))
    out.sort()
    for (_s1, e1), (s2, _e2) in zip(out, out[1:], strict=False):
        if s2 < e1:
            raise InvalidInput("The ranges of one day must not overlap.")
    return out


def fmt_windows(windows: Iterable[tuple[int, int]]) -> str:
    """[(540, 1020)] -> '09:00-17:00'."""
    return ", ".join(f"{fmt_hhmm(s)}-{fmt_hhmm(e)}" for s, e in sorted(windows))
