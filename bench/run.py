"""Run every benchmark and print one table: ``python -m bench.run [--quick] [--only NAME]``.

Every ``bench/bench_*.py`` with a ``main(quick=...)`` is run in name order. Results go to
stdout as a table and to ``bench/results/latest.json``. The exit status is 1 when a target
is missed or a benchmark crashed, so CI can gate on it.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import platform
import sys
import time
import traceback
from dataclasses import asdict, is_dataclass
from typing import Any

from bench.common import BENCH_DIR, RESULTS_DIR, Result


def discover() -> list[str]:
    """Names (``ingest`` for bench/bench_ingest.py) of the bench modules, sorted."""
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def _as_dict(item: Any, name: str) -> dict[str, Any]:
    if isinstance(item, Result):
        return item.as_dict()
    if is_dataclass(item) and not isinstance(item, type):
        item = asdict(item)
    if not isinstance(item, dict):
        return {"bench": name, "metric": repr(item)[:80], "backend": "", "measured": None, "unit": "",
                "target": "", "passed": None, "note": "unrecognised result"}
    base = {"bench": name, "metric": "", "backend": "", "measured": None, "unit": "", "target": "",
            "passed": None, "note": ""}
    return {**base, **item}


def run_one(name: str, quick: bool) -> tuple[list[dict[str, Any]], float]:
    t0 = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.bench_{name}")
        main = getattr(module, "main", None)
        if main is None:
            return [], time.perf_counter() - t0
        # A bench without a quick mode is run as is.
        takes_quick = "quick" in inspect.signature(main).parameters
        returned = (main(quick=quick) if takes_quick else main()) or []
        rows = [_as_dict(r, name) for r in returned]
    except Exception as exc:  # noqa: BLE001 - a crashed bench is a failed row, the others still run
        traceback.print_exc()
        rows = [_as_dict({"metric": "(crashed)", "passed": False, "note": f"{type(exc).__name__}: {exc}"[:200]}, name)]
    return rows, time.perf_counter() - t0


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    head = ("bench", "metric", "backend", "target", "measured", "pass")
    body = [
        (
            r["bench"], r["metric"], r["backend"], r["target"],
            f"{_fmt(r['measured'])} {r['unit']}".strip(),
            {True: "PASS", False: "FAIL", None: "-"}[r["passed"]],
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*head), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in body]
    notes = [f"  {r['bench']} / {r['metric']} / {r['backend']}: {r['note']}" for r in rows if r.get("note")]
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    parser.add_argument("--only", action="append", metavar="NAME", help=f"one of: {', '.join(discover())}")
    args = parser.parse_args(argv)
    names = discover()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown bench {', '.join(unknown)}; choose from {', '.join(names)}")
        names = [n for n in names if n in args.only]
    rows: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    started = time.time()
    for name in names:
        print(f"== bench {name}{' (quick)' if args.quick else ''}", flush=True)
        got, secs = run_one(name, args.quick)
        timings[name] = round(secs, 1)
        rows.extend(got)
        print(f"   {name}: {secs:.0f} s", flush=True)
    print()
    print(table(rows))
    RESULTS_DIR.mkdir(exist_ok=True)
    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "quick": args.quick,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "seconds": timings,
        "results": rows,
    }
    (RESULTS_DIR / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nWrote {RESULTS_DIR / 'latest.json'} ({sum(timings.values()):.0f} s in all)")
    return 1 if any(r["passed"] is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
