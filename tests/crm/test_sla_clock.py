"""Business-time arithmetic against answers computed by hand (written out in each test).

Weekday facts used: 2026-03-27, 2026-10-23, 2026-03-06 and 2026-10-30 are Fridays; 2026-03-29,
2026-10-25, 2026-03-08 and 2026-11-01 are the Sundays the clocks change (Europe/Berlin on the
last Sundays of March and October at 01:00 UTC; America/New_York on the second Sunday of March
and the first of November at 02:00 local). Asia/Tokyo is UTC+9 all year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from crm.errors import InvalidInput
from crm.sla.clock import Calendar, fmt_windows, parse_windows, zone

NINE_TO_FIVE = {d: [(9 * 60, 17 * 60)] for d in range(5)}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def cal(name: str, weekly: dict[int, list[tuple[int, int]]] | None = None, holidays: tuple[date, ...] = ()) -> Calendar:
    return Calendar(ZoneInfo(name), weekly if weekly is not None else NINE_TO_FIVE, frozenset(holidays))


# --- Europe/Berlin --------------------------------------------------------------------------
def test_berlin_spring_forward_weekend() -> None:
    # Fri 27 Mar 16:00 CET (UTC+1) = 15:00Z. 120 business minutes: 60 on Friday (16-17 CET),
    # then Mon 30 Mar opens 09:00 CEST (UTC+2) = 07:00Z; +60 min = 08:00Z.
    # (Keeping Friday's offset would wrongly give 09:00Z.)
    assert cal("Europe/Berlin").add(utc(2026, 3, 27, 15), 120) == utc(2026, 3, 30, 8)


def test_berlin_elapsed_across_spring_forward() -> None:
    # Fri 15:00Z (16:00 CET) to Mon 08:00Z (10:00 CEST): Fri 16-17 and Mon 9-10 = 2 h.
    assert cal("Europe/Berlin").elapsed(utc(2026, 3, 27, 15), utc(2026, 3, 30, 8)) == 7200


def test_berlin_the_short_day_has_23_hours() -> None:
    # Open all of Sunday 29 Mar: local midnight is 28 Mar 23:00Z (CET), the next local
    # midnight 29 Mar 22:00Z (CEST): 23 hours pass.
    c = cal("Europe/Berlin", {6: [(0, 1440)]})
    assert c.elapsed(utc(2026, 3, 28, 20), utc(2026, 3, 30, 6)) == 23 * 3600
    # A window across the missing hour, 01:00-04:00 local: 00:00Z to 02:00Z = 2 h.
    c = cal("Europe/Berlin", {6: [(60, 240)]})
    assert c.elapsed(utc(2026, 3, 29, 0), utc(2026, 3, 29, 5)) == 2 * 3600
    # 90 minutes from 01:00 CET (00:00Z): 01:00Z is 03:00 CEST, so 01:30Z = 03:30 CEST.
    assert c.add(utc(2026, 3, 29, 0), 90) == utc(2026, 3, 29, 1, 30)


def test_berlin_fall_back_weekend_and_long_day() -> None:
    # Fri 23 Oct 16:30 CEST (UTC+2) = 14:30Z; 90 min: 30 on Friday, then Mon 26 Oct 09:00 CET
    # (UTC+1) = 08:00Z; +60 = 09:00Z.
    assert cal("Europe/Berlin").add(utc(2026, 10, 23, 14, 30), 90) == utc(2026, 10, 26, 9)
    # Sunday 25 Oct open all day: 24 Oct 22:00Z (midnight CEST) to 25 Oct 23:00Z (midnight CET) = 25 h.
    c = cal("Europe/Berlin", {6: [(0, 1440)]})
    assert c.elapsed(utc(2026, 10, 24, 12), utc(2026, 10, 26, 12)) == 25 * 3600


# --- America/New_York -----------------------------------------------------------------------
def test_new_york_spring_forward() -> None:
    # Fri 6 Mar 16:00 EST (UTC-5) = 21:00Z; 120 min: 60 on Friday, Mon 9 Mar 09:00 EDT (UTC-4)
    # = 13:00Z; +60 = 14:00Z.
    assert cal("America/New_York").add(utc(2026, 3, 6, 21), 120) == utc(2026, 3, 9, 14)
    # Sunday 8 Mar open all day: 05:00Z to 9 Mar 04:00Z = 23 h.
    c = cal("America/New_York", {6: [(0, 1440)]})
    assert c.elapsed(utc(2026, 3, 7, 12), utc(2026, 3, 9, 12)) == 23 * 3600


def test_new_york_fall_back() -> None:
    # Fri 30 Oct 16:00 EDT (UTC-4) = 20:00Z; 120 min: 60 on Friday, Mon 2 Nov 09:00 EST (UTC-5)
    # = 14:00Z; +60 = 15:00Z.
    assert cal("America/New_York").add(utc(2026, 10, 30, 20), 120) == utc(2026, 11, 2, 15)
    # Sunday 1 Nov open all day: 04:00Z to 2 Nov 05:00Z = 25 h.
    c = cal("America/New_York", {6: [(0, 1440)]})
    assert c.elapsed(utc(2026, 10, 31, 12), utc(2026, 11, 2, 12)) == 25 * 3600


def test_same_instant_in_three_zones() -> None:
    # Wed 4 Mar 2026 02:00Z is 11:00 in Tokyo (open, lunch 12-13), 03:00 in Berlin, 21:00 Tue in New York.
    start, weekly = utc(2026, 3, 4, 2), {d: [(600, 720), (780, 1080)] for d in range(5)}
    # Tokyo: 11-12 (60) + 13-15 (120) = 180 min -> 15:00 JST = 06:00Z.
    assert cal("Asia/Tokyo", weekly).add(start, 180) == utc(2026, 3, 4, 6)
    # Berlin (CET): opens 10:00 = 09:00Z; 10-12 (120) + 13:00-14:00 (60) -> 14:00 CET = 13:00Z.
    assert cal("Europe/Berlin", weekly).add(start, 180) == utc(2026, 3, 4, 13)
    # New York (EST): Wed 10:00 = 15:00Z; 10-12 + 13-14 -> 14:00 EST = 19:00Z.
    assert cal("America/New_York", weekly).add(start, 180) == utc(2026, 3, 4, 19)


# --- holidays, closed days, edges -------------------------------------------------------------
def test_holidays_are_skipped() -> None:
    # Thu 2 Apr 16:00 CEST = 14:00Z; 120 min: 60 on Thursday; Good Friday (3 Apr) and Easter
    # Monday (6 Apr) are holidays, the weekend is closed; Tue 7 Apr 09:00 CEST = 07:00Z; +60 = 08:00Z.
    berlin = cal("Europe/Berlin", holidays=(date(2026, 4, 3), date(2026, 4, 6)))
    assert berlin.add(utc(2026, 4, 2, 14), 120) == utc(2026, 4, 7, 8)
    assert berlin.elapsed(utc(2026, 4, 2, 14), utc(2026, 4, 7, 8)) == 7200
    # Without the holidays the same target is met on Good Friday at 10:00 CEST = 08:00Z.
    assert cal("Europe/Berlin").add(utc(2026, 4, 2, 14), 120) == utc(2026, 4, 3, 8)


def test_arrival_when_closed_starts_at_the_next_opening() -> None:
    # Sat 28 Mar 12:00Z: closed; Mon 30 Mar 09:00 CEST = 07:00Z; +30 min.
    assert cal("Europe/Berlin").add(utc(2026, 3, 28, 12), 30) == utc(2026, 3, 30, 7, 30)
    assert cal("Europe/Berlin").elapsed(utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)) == 0
    # Exactly at closing: nothing left that day.
    assert cal("Europe/Berlin").add(utc(2026, 3, 26, 16), 1) == utc(2026, 3, 27, 8, 1)


def test_never_open_has_no_due_time_and_always_is_wall_clock() -> None:
    assert cal("Europe/Berlin", {}).add(utc(2026, 3, 2, 9), 60) is None
    assert Calendar.always().add(utc(2026, 3, 28, 23, 30), 90) == utc(2026, 3, 29, 1)
    assert Calendar.always().elapsed(utc(2026, 3, 28), utc(2026, 3, 30)) == 48 * 3600


def test_is_open() -> None:
    berlin = cal("Europe/Berlin")
    assert berlin.is_open(utc(2026, 3, 30, 7))  # 09:00 CEST Monday
    assert not berlin.is_open(utc(2026, 3, 30, 6, 59))
    assert not berlin.is_open(utc(2026, 3, 30, 15))  # 17:00 CEST


def test_parse_windows() -> None:
    assert parse_windows("09:00-12:00, 13:00-17:30") == [(540, 720), (780, 1050)]
    assert parse_windows("") == []
    assert parse_windows("00:00-24:00") == [(0, 1440)]
    assert fmt_windows([(780, 1050), (540, 720)]) == "09:00-12:00, 13:00-17:30"
    for bad in ("9-17", "17:00-09:00", "09:00-12:00, 11:00-13:00", "25:00-26:00", "24:00-24:00", "x"):
        with pytest.raises(InvalidInput):
            parse_windows(bad)


def test_zone_names() -> None:
    assert zone("Asia/Tokyo").key == "Asia/Tokyo"
    for bad in ("", "Mars/Olympus", "../etc/passwd"):
        with pytest.raises(InvalidInput) as err:
            zone(bad)
        assert err.value.field == "timezone"
