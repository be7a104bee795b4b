"""NAB scoring on hand-made examples, and the backtest's loading and output format."""

import json
import math
import random
import re
from datetime import datetime, timedelta

import pytest

from cli.backtest import backtest_command, format_incident, load_series, load_windows
from crm.alerts import nab
from crm.alerts.backtest import nab_score, run_backtest
from crm.alerts.types import Incident, IncidentKind, Severity
from crm.errors import InvalidInput

T0 = datetime(2015, 3, 1, 0, 2, 53)
STEP = timedelta(minutes=5)
TIMES = [T0 + i * STEP for i in range(1000)]  # probation: min(15 % of 1000, 750) = 150 points
WINDOW = [(TIMES[400], TIMES[499])]  # 100 points wide


def raw(alert_indices: list[int], profile: str = "standard") -> float:
    return nab.score(TIMES, [TIMES[i] for i in alert_indices], WINDOW, profile).raw


def test_alert_at_left_edge_scores_plus_one_and_normalises_to_100() -> None:
    result = nab.score(TIMES, [TIMES[400]], WINDOW, "standard")
    assert result.raw == pytest.approx(1.0)
    assert result.normalised == pytest.approx(100.0)


def test_missed_window_scores_minus_one_and_normalises_to_zero() -> None:
    result = nab.score(TIMES, [], WINDOW, "standard")
    assert result.raw == pytest.approx(-1.0)
    assert result.normalised == pytest.approx(0.0)


def test_alert_at_right_edge_scores_almost_nothing() -> None:
    # y = -(499 - 499 + 1) / 100 = -0.01; sigmoid(y) = tanh(-5y/2), scaled by tanh(2.5).
    assert raw([499]) == pytest.approx(math.tanh(0.025) / math.tanh(2.5))
    assert raw([499]) == pytest.approx(0.025334, abs=1e-6)


def test_only_the_earliest_alert_in_a_window_counts() -> None:
    # y = -(499 - 420 + 1) / 100 = -0.8
    assert raw([450, 420, 480]) == pytest.approx(math.tanh(2.0) / math.tanh(2.5))


def test_false_positive_before_any_window_costs_full_weight() -> None:
    assert raw([400, 300]) == pytest.approx(1.0 - 0.11)
    assert raw([400, 300], "reward_low_FP_rate") == pytest.approx(1.0 - 0.22)


def test_false_positive_just_after_a_window_costs_little() -> None:
    # Position past the window: |499 - 500| / (100 - 1); score 0.11 * sigmoid.
    expected = 1.0 - 0.11 * math.tanh(5 / 99 / 2)
    assert raw([400, 500]) == pytest.approx(expected)
    assert raw([400, 999]) == pytest.approx(1.0 - 0.11)  # >= 3 window widths away


def test_alerts_in_the_probation_period_are_ignored() -> None:
    assert raw([10, 149]) == pytest.approx(-1.0)
    assert raw([150]) == pytest.approx(-1.0 - 0.11)


def test_combined_normalisation_sums_raw_scores_first() -> None:
    hit = nab.score(TIMES, [TIMES[400]], WINDOW, "standard")
    miss = nab.score(TIMES, [TIMES[300]], WINDOW, "standard")
    assert miss.raw == pytest.approx(-1.11)
    # 100 * ((1 - 1.11) - (-2)) / (2 - (-2))
    assert nab.combine([hit, miss]) == pytest.approx(100 * 1.89 / 4)


def test_probation_length_follows_nab() -> None:
    assert nab.probation_length(1000) == 150
    assert nab.probation_length(15_902) == 750


def write_series(path, counts: list[int], start: datetime = T0) -> None:
    lines = ["timestamp,value"]
    lines += [f"{(start + i * STEP):%Y-%m-%d %H:%M:%S},{c}" for i, c in enumerate(counts)]
    path.write_text("\n".join(lines) + "\n")


def seasonal_with_spike(days: int, spike_at: int) -> list[int]:
    rng = random.Random(3)
    counts = []
    for i in range(days * 288):
        level = 30 * (1 + 0.6 * math.sin(2 * math.pi * (i % 288) / 288))
        counts.append(max(0, round(rng.gauss(level, math.sqrt(level)))))
    for i in range(spike_at, spike_at + 12):
        counts[i] += 1500
    return counts


def test_backtest_output_lines_on_a_small_csv(tmp_path) -> None:
    path = tmp_path / "series.csv"
    spike_at = 4 * 288 + 100
    write_series(path, seasonal_with_spike(5, spike_at))
    text = backtest_command(path)
    lines = text.splitlines()
    assert len(lines) == 2 and lines[-1] == "1 incident(s) over 1440 buckets"
    match = re.match(
        r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  (watch|warning|crisis) +peak=(\d+) at \S+ \S+  "
        r"duration=(\d+)h(\d\d)m  spike  baseline=\d+\.\d$",
        lines[0],
    )
    assert match, lines[0]
    opened = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
    assert T0 + spike_at * STEP <= opened <= T0 + (spike_at + 2) * STEP
    assert match.group(2) == "crisis"
    assert int(match.group(3)) >= 1500


def test_backtest_with_windows_prints_nab_scores(tmp_path) -> None:
    path = tmp_path / "series.csv"
    spike_at = 4 * 288 + 100
    write_series(path, seasonal_with_spike(5, spike_at))
    incidents = run_backtest(load_series(path))
    assert len(incidents) == 1
    left = incidents[0].opened_at
    windows = tmp_path / "windows.json"
    edges = [f"{left:%Y-%m-%d %H:%M:%S}.000000", f"{left + 50 * STEP:%Y-%m-%d %H:%M:%S}.000000"]
    windows.write_text(json.dumps({"series.csv": [edges]}))
    assert load_windows(windows, "series.csv") == [(left, left + 50 * STEP)]
    text = backtest_command(path, windows)
    assert "NAB standard: 100.0 (raw 1.000; 1/1 windows, 0 false positives)" in text
    assert "NAB reward_low_FP_rate: 100.0" in text
    series = load_series(path)
    assert nab_score(incidents, series, load_windows(windows, "series.csv")) == pytest.approx(100)


def test_format_incident_line() -> None:
    opened = datetime(2015, 3, 3, 20, 57, 53)
    incident = Incident(
        kind=IncidentKind.SPIKE,
        opened_at=opened,
        severity=Severity.WARNING,
        peak=3228,
        peak_at=opened + 2 * STEP,
        current=900,
        baseline_at_open=52.5,
        last_updated=opened + 20 * STEP,
        resolved_at=opened + 95 * STEP,
    )
    assert format_incident(incident) == (
        "2015-03-03 20:57:53  warning  peak=3228 at 2015-03-03 21:07:53  duration=7h55m  "
        "spike  baseline=52.5"
    )


def test_load_series_rejects_a_wrong_header(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("time,count\n2015-03-01 00:00:00,3\n")
    with pytest.raises(InvalidInput):
        load_series(path)


def test_load_windows_needs_the_series(tmp_path) -> None:
    path = tmp_path / "windows.json"
    path.write_text(json.dumps({"other.csv": []}))
    with pytest.raises(InvalidInput):
        load_windows(path, "series.csv")
