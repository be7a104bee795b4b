"""The inbound API (POST /api/v1/mentions) in batches of 500.

Inbound API: 20,000 mentions (quick: 5,000) in batches of 500 through the Flask app (the WSGI
stack via its test client: JSON parsing, token check, the import-schema parser, ingest_batch,
the per-item answer and the commit) into a scratch database. The follow-up drain is queued,
not run, as in production where a worker runs it. Target >= 2,000 mentions/s on PostgreSQL.

Run: .venv/bin/python -m bench.bench_inbound [--quick]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):  # the fakes live in tests/fakes
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from fakes.texts import DISPLAY_NAMES, NAMES, SENTENCES  # noqa: E402

from bench.common import (  # noqa: E402
    BACKENDS,
    Result,
    at_least,
    load_models,
    postgres_available,
    say,
    scratch_database,
)

INBOUND_TARGET = 2_000.0
BATCH = 500


class _Deferred:
    """A job queue that keeps jobs for a worker instead of running them (the follow-up drain)."""

    def __init__(self) -> None:
        self.jobs: list[Any] = []

    def enqueue(self, func: Callable[..., Any], *args: Any, **options: Any) -> Any:
        self.jobs.append((func, args))
        return None

    def is_active(self, job_id: str) -> bool:
        return False


def _inbound_items(n: int) -> list[dict[str, Any]]:
    base = datetime(2026, 9, 1, tzinfo=UTC).timestamp()
    return [
        {"platform": "forum", "external_id": f"bench-{i}", "kind": "post" if i % 5 else "comment",
         "created_at": datetime.fromtimestamp(base + i, tz=UTC).isoformat(),
         "author": {"id": f"u{i % 2000}", "handle": NAMES[i % len(NAMES)], "display_name": DISPLAY_NAMES[i % 10],
                    "followers": i % 977},
         "text": f"{SENTENCES[i % len(SENTENCES)]} #{i}", "url": f"https://forum.example.org/t/{i}"}
        for i in range(n)
    ]


def bench_inbound(backend: str, n: int) -> Result:
    """Mentions per second through POST /api/v1/mentions in batches of BATCH."""
    from crm.engine import make_engine, make_session_factory
    from crm.inbound import services as inbound
    from crm.settings import Settings
    from web import create_app

    load_models()
    items = _inbound_items(n)
    bodies = [json.dumps({"items": items[i : i + BATCH]}).encode() for i in range(0, n, BATCH)]
    with scratch_database(backend) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        settings = Settings(data_dir=Path("/tmp"), database_url=url, secret_key="bench-secret-key-0123456789")
        app = create_app({"SETTINGS": settings, "SESSION_FACTORY": factory, "JOB_QUEUE": _Deferred()})
        with factory.begin() as s:
            token = inbound.create_inbound_source(s, name="bench", app_secret=settings.secret_key).token
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        start = time.perf_counter()
        new = 0
        for body in bodies:
            resp = client.post("/api/v1/mentions", data=body, headers=headers)
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
            new += resp.get_json()["new"]
        secs = time.perf_counter() - start
        assert new == n, new
        again = client.post("/api/v1/mentions", data=bodies[0], headers=headers).get_json()
        assert again["duplicate"] == min(BATCH, n), again
        engine.dispose()
    rate = n / secs
    say(f"inbound API on {backend}: {rate:,.0f} mentions/s ({secs:.1f} s for {n:,})")
    target, ok = at_least(rate, INBOUND_TARGET) if backend == "postgresql" else ("(report)", None)
    return Result("channels", f"inbound API, batches of {BATCH}", backend, round(rate), "mentions/s", target, ok,
                  f"{n:,} mentions, Flask test client, token auth, drain queued not run")


def main(quick: bool = False) -> list[Result]:
    """The inbound API per backend."""
    n = 5_000 if quick else 20_000
    results: list[Result] = []
    for backend in BACKENDS:
        if backend == "postgresql" and (why := postgres_available()):
            results.append(Result("channels", "inbound API", backend, None, "", "", False, why))
            continue
        results.append(bench_inbound(backend, n))
    return results


if __name__ == "__main__":
    for r in main(quick="--quick" in sys.argv):
        verdict = "" if r.passed is None else ("ok" if r.passed else "MISSED")
        print(f"{r.metric:<36} {r.backend:<11} {r.measured!s:>10} {r.unit:<11} {r.target:<10} {verdict}")
