"""web/charts.py: SVG that escapes every label, draws what it is given, and copes with no data."""

from __future__ import annotations

from tests.web.htmlpage import parse
from web.charts import svg as charts

EVIL = '<script>alert(1)</script>"><svg onload=alert(1)>'


def test_labels_and_series_names_are_escaped() -> None:
    for svg in (
        charts.line_chart(EVIL, [EVIL, "b"], [charts.Series(EVIL, [1, 2])]),
        charts.stacked_bar_chart(EVIL, [EVIL], [charts.Series(EVIL, [3]), charts.Series("ok", [1])]),
        charts.hbar_chart(EVIL, [EVIL], [5]),
    ):
        html = str(svg)
        assert "<script" not in html and "<svg onload" not in html
        page = parse(html)
        assert [e.tag for e in page.elements].count("svg") == 1
        assert all(not k.startswith("on") for e in page.elements for k in e.attrs)
        assert any("<script>" in t.text for t in page.find("title"))


def test_line_chart_draws_a_point_with_a_tooltip_per_value_and_gaps_for_none() -> None:
    page = parse(str(charts.line_chart("t", ["w1", "w2", "w3"], [
        charts.Series("median", [60, None, 120]), charts.Series("p90", [600, 900, 1200]),
    ], fmt=charts.duration)))
    assert len(page.find("circle")) == 5
    tips = [t.text for t in page.find("title")]
    assert "median · w3: 2 min" in tips and "p90 · w2: 15 min" in tips
    # The median series has a gap, so it draws no line across w2; p90 draws one.
    assert len(page.find("polyline")) == 1


def test_stacked_bars_stack_and_scale_to_a_round_maximum() -> None:
    page = parse(str(charts.stacked_bar_chart("t", ["d1", "d2"], [
        charts.Series("neg", [2, 0]), charts.Series("pos", [3, 7]),
    ])))
    rects = [r for r in page.find("rect") if r.text]  # bars carry a <title>
    assert len(rects) == 3  # a zero segment is not drawn
    axis = [t.text for t in page.find("text")]
    assert "10" in axis  # max total 7 -> axis up to 10


def test_empty_data_says_so() -> None:
    for svg in (charts.line_chart("t", [], []), charts.bar_chart("t", ["a"], [0]), charts.hbar_chart("t", [], [])):
        assert "No data yet" in parse(str(svg)).text


def test_formats() -> None:
    assert [charts.duration(s) for s in (5, 600, 5400, 200000)] == ["5 s", "10 min", "1.5 h", "2.3 d"]
    assert [charts.nice_max(v) for v in (0, 7, 12, 260, 1)] == [1.0, 10, 20, 500, 1]
    assert charts.plain(1234) == "1,234" and charts.plain(1.5) == "1.5"
