"""Replay a historical series through the live detector and score it NAB-style.

Every bucket is treated as complete when its time passes, exactly as the live detector sees it.
The file reading and printing of `crm alerts backtest` live in cli/backtest.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crm.alerts import nab
from crm.alerts.streaming import ScopeState
from crm.alerts.types import Incident, Params


def run_backtest(
    series: Sequence[tuple[datetime, int]], params: Params | None = None
) -> list[Incident]:
    """Incidents the live detector would have opened over the series, in opening order."""
    state = ScopeState(params or Params())
    incidents: list[Incident] = []
    for at, count in series:
        state.observe(at, count)
        incident = state.incident
        if incident is not None and (not incidents or incidents[-1] is not incident):
            incidents.append(incident)
    return incidents


def nab_result(
    incidents: Sequence[Incident],
    series: Sequence[tuple[datetime, int]],
    windows: Sequence[tuple[datetime, datetime]],
    profile: str = "standard",
) -> nab.NabResult:
    """NAB result of a backtest: each incident is one alert at the time it opened."""
    timestamps = [at for at, _ in series]
    return nab.score(timestamps, [i.opened_at for i in incidents], windows, profile)


def nab_score(
    incidents: Sequence[Incident],
    series: Sequence[tuple[datetime, int]],
    windows: Sequence[tuple[datetime, datetime]],
    profile: str = "standard",
) -> float:
    """Normalised NAB score (0 = never alert, 100 = perfect) of a backtest."""
    return nab_result(incidents, series, windows, profile).normalised
