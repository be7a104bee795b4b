"""Run the real product on a labelled population and score its identity resolution.

    .venv/bin/python -m bench.identity_eval.run --seed 1            # development seed, SQLite
    .venv/bin/python -m bench.identity_eval.run --seed 2 --postgres # held out: final reporting only

Generates the seed's files (or uses ``--data DIR``), then runs the processes as a user would,
each as a subprocess on a fresh database: ``crm db upgrade``, ``crm import mentions.jsonl``,
``crm inbox team add`` for our accounts, ``crm members profiles profiles.jsonl`` and
``crm members suggest --rebuild``. It then reads merges, suggestions and match keys from the
database and prints a table; ``--json`` writes every number (and examples of errors).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.identity_eval.metrics import evaluate, read_db

ROOT = Path(__file__).resolve().parents[2]


def _crm() -> list[str]:
    exe = Path(sys.executable).with_name("crm")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cli.main"]


def _step(name: str, args: list[str], env: dict[str, str], log: list[dict[str, Any]]) -> str:
    t0 = time.perf_counter()
    proc = subprocess.run([*_crm(), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    took = time.perf_counter() - t0
    out = (proc.stdout + proc.stderr).strip()
    log.append({"step": name, "seconds": round(took, 1), "output": out.splitlines()[-1] if out else ""})
    print(f"  {name:<28} {took:6.1f} s  {out.splitlines()[-1][:110] if out else ''}", flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"`crm {' '.join(args)}` failed ({proc.returncode}):\n{out[-3000:]}")
    return out


def run_product(data: Path, url: str, data_dir: Path) -> list[dict[str, Any]]:
    """The real processes, in the order a team would run them, on database ``url``."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update({"DATABASE_URL": url, "DATA_DIR": str(data_dir), "SECRET_KEY": "identity-eval-secret-key",
                "LOG_LEVEL": "WARNING"})
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    log: list[dict[str, Any]] = []
    _step("crm db upgrade", ["db", "upgrade"], env, log)
    _step("crm import", ["import", str(data / "mentions.jsonl"), "--quiet"], env, log)
    for t in truth["team"]:
        _step(f"crm inbox team add {t['handle'][:12]}", ["inbox", "team", "add", t["platform"], t["handle"]], env, log)
    _step("crm members profiles", ["members", "profiles", str(data / "profiles.jsonl")], env, log)
    _step("crm members suggest --rebuild", ["members", "suggest", "--rebuild"], env, log)
    return log


def _fmt(v: Any) -> str:
    return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def report(r: dict[str, Any]) -> str:
    """The human-readable table."""
    a, s, b = r["automatic_merges"], r["suggestions"], r["blocking"]
    lines = [
        f"seed {r['seed']} ({r['backend']}): {r['counts']}",
        f"automatic merges: {a['count']} ({a['wrong']} wrong); identity pairs wrongly joined: "
        f"{a['wrong_identity_pairs_joined']}; members holding a team account with others: {a['members_joining_a_team_account']}",
        f"suggestions (open): {s['suggestions']}, precision {_fmt(s['precision'])}, recall {_fmt(s['recall_all_pairs']['recall'])} "
        f"(all true pairs), {_fmt(s['recall_linkable']['recall'])} (linkable: reused handle, full names, profile link), "
        f"{_fmt(s['recall_linkable_any_reason']['recall'])} (any stored reason); lowest stored score {_fmt(s['lowest_score'])}",
        f"blocking pair recall: {_fmt(b['pair_recall'])} (linkable {_fmt(b['linkable_pair_recall'])}); "
        f"pairs sharing a key {b['candidate_pairs_upper_bound']:,}, pairs scored {b.get('pairs_scored_by_suggest')}"
        + ("" if b["available"] else "  [no match keys stored: cannot see compared pairs]"),
        "",
        f"{'kind':<16}{'people':>7}{'true pairs':>11}{'recall':>8}{'rec.link':>9}{'sugg.':>7}{'precision':>10}",
    ]
    for k, v in r["per_kind"].items():
        lines.append(f"{k:<16}{v['people']:>7}{v['true_pairs']:>11}{_fmt(v['recall']):>8}{_fmt(v['recall_linkable']):>9}"
                     f"{v['suggestions_touching']:>7}{_fmt(v['precision']):>10}")
    lines += ["", "recall per stored reason: " + ", ".join(
        f"{k} {_fmt(v['recall'])} ({v['pairs']})" for k, v in r["recall_per_reason"].items())]
    lines += ["wrong suggestions by reason: " + (", ".join(f"{k} {v}" for k, v in r["wrong_suggestions_by_reason"].items()) or "none")]
    lines += ["", f"{'score >=':>9}{'sugg.':>7}{'precision':>10}{'rec.link':>9}{'rec.all':>8}"]
    for t in r["threshold_sweep"]:
        lines.append(f"{t['threshold']:>9}{t['suggestions']:>7}{_fmt(t['precision']):>10}{_fmt(t['recall_linkable']):>9}"
                     f"{_fmt(t['recall_all']):>8}")
    lines += ["", "steps: " + ", ".join(f"{x['step']} {x['seconds']} s" for x in r["steps"] if "team add" not in x["step"])]
    return "\n".join(lines)


def main() -> None:
    """Generate (or reuse) a seed, run the product on a fresh database, print and save the scores."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="1: development; 2: held out, final reporting only")
    ap.add_argument("--people", type=int, default=None, help="population size (default 2,000)")
    ap.add_argument("--data", type=Path, help="use these generated files instead of generating")
    ap.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database (BENCH_PG_URL's server)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (SQLite file, data) to look into")
    ap.add_argument("--json", type=Path, help="write every number here (default: bench/identity_eval/results/)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crm_ideval_"))
    pg_name = None
    try:
        data = args.data
        if data is None:
            from bench.identity_eval.output import write_all
            from bench.identity_eval.population import TOTAL_PEOPLE, build

            data = work / "data"
            counts = write_all(build(args.seed, args.people or TOTAL_PEOPLE), args.seed, data)
            print(f"seed {args.seed}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
        if args.postgres:
            from bench.common import create_pg_database

            pg_name, url = create_pg_database()
            backend = "postgresql"
        else:
            url, backend = f"sqlite:///{work / 'crm.sqlite3'}", "sqlite"
        steps = run_product(data, url, work)
        truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
        result = evaluate(read_db(url), truth)
        scored = re.search(r"([\d,]+) pairs scored", steps[-1]["output"])
        result["blocking"]["pairs_scored_by_suggest"] = int(scored.group(1).replace(",", "")) if scored else None
        result.update({"seed": truth["seed"], "backend": backend, "steps": steps, "counts": {
            "people": len(truth["people"]), "accounts": len(truth["accounts"]), "true_pairs": len(truth["pairs"]),
            "mentions": sum(1 for _ in (data / "mentions.jsonl").open(encoding="utf-8"))}})
        print(report(result))
        out = args.json or ROOT / "bench" / "identity_eval" / "results" / f"seed{truth['seed']}_{backend}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        print(f"\nwritten: {out}")
    finally:
        if pg_name:
            from bench.common import drop_pg_database

            drop_pg_database(pg_name)
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
