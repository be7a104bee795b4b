"""Pages over HTTP, product against a bare Flask app reading the same tables, in the same run.

Both run under gunicorn with the same workers and threads on the same database: the product
(login, layout, badges, its services and templates) and bench/bare_app.py (one plain query per
thing the page shows, a minimal template). A load generator with 8 concurrent clients
(threads, keep-alive) requests each page for a few seconds; the rows are req/s and p99 of the
product, the baseline's req/s, and the ratio.

Data: 100,000 mentions (quick: 20,000) from 20,000 authors, plus one member with 2,000
interactions (the profile page's member), triaged into the inbox. Pages: the profile of that
member, search for a mid-frequency word and a common one, the inbox, the overview.

Target (issue 12): product >= 0.5x the bare app's req/s, p99 <= 50 ms at 8 clients.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import requests

from bench.common import (
    BACKENDS,
    Result,
    at_least,
    load_models,
    make_mentions,
    percentile,
    postgres_available,
    say,
    scratch_database,
)

BIN = Path(sys.executable).parent
CLIENTS = 8
RATIO_TARGET = 0.5
P99_TARGET_MS = 50.0
MID_WORD = "zeppelinblau"
EMAIL, PASSWORD = "bench@example.com", "bench-password"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(url: str, n: int) -> int:
    """Fill the database; the id of the member with 2,000 interactions."""
    from sqlalchemy import select

    from connectors.base import Author
    from crm.engine import make_engine, make_session_factory
    from crm.ingest import ingest_batch
    from crm.members.models import Identity
    from crm.settings import Settings
    from crm.users.services import create_user
    from listeners import runtime
    from listeners.inbox import triage_backlog

    load_models()
    mentions = make_mentions(n, max(n // 5, 10))
    mentions = [replace(m, text=f"{m.text} {MID_WORD}") if i % 200 == 0 else m for i, m in enumerate(mentions)]
    heavy = Author(id="heavy", handle="heavy_user", display_name="Heavy User", profile_url="https://x.example/heavy")
    base = mentions[0]
    mentions += [
        replace(base, platform="x", external_id=f"heavy{i}", author=heavy, created_at=base.created_at + timedelta(minutes=20 * i),
                text=f"Post {i} about the refund and the delivery, again {MID_WORD if i % 50 == 0 else ''}",
                url=f"https://x.example/p/heavy{i}", thread_id=None, kind="post")
        for i in range(2_000)
    ]
    factory = make_session_factory(make_engine(url))
    for i in range(0, len(mentions), 2_000):
        with factory.begin() as s:
            ingest_batch(s, mentions[i : i + 2_000], origin="bench")
    with factory.begin() as s:
        create_user(s, email=EMAIL, password=PASSWORD, role="admin", name="Bench")
        member_id = s.scalar(select(Identity.member_id).where(Identity.platform == "x", Identity.external_id == "heavy"))
    runtime.configure(Settings.from_env({"DATABASE_URL": url}), factory)
    triage_backlog()
    factory.kw["bind"].dispose()
    assert member_id is not None
    return int(member_id)


def serve(app: str, url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {"DATABASE_URL": url, "DATA_DIR": str(data_dir), "PATH": str(BIN), "SECRET_KEY": "bench-secret-key-0123456789"}
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}", app],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base + "/health" if "web" in app else base + "/", timeout=1)
            return proc, base
        except (requests.ConnectionError, requests.Timeout):  # a busy machine answers the first call slowly
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def login(base: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    r = s.post(base + "/login", data={"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD}, allow_redirects=False)
    assert r.status_code == 302, f"login failed: {r.status_code}"
    return s


def load(sessions: list[requests.Session], url: str, seconds: float) -> tuple[float, float]:
    """(req/s, p99 ms) with one thread per session, for ``seconds``."""
    latencies: list[float] = []
    errors: list[int] = []
    stop = time.perf_counter() + seconds
    lock = threading.Lock()

    def client(s: requests.Session) -> None:
        mine: list[float] = []
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            r = s.get(url)
            mine.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append(r.status_code)
        with lock:
            latencies.extend(mine)

    for s in sessions:  # warm up
        s.get(url)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{url}: {len(errors)} non-200 answers, e.g. {errors[0]}")
    return len(latencies) / elapsed, percentile([x * 1000 for x in latencies], 99)


def run_backend(backend: str, n: int, seconds: float) -> list[Result]:
    results: list[Result] = []
    with scratch_database(backend) as url:
        say(f"pages/{backend}: building {n:,} mentions + a member with 2,000")
        member_id = build(url, n)
        data_dir = Path(url.split("///", 1)[1]).parent if backend == "sqlite" else Path("/tmp")
        product, pbase = serve("web:create_app()", url, data_dir)
        bare, bbase = serve("bench.bare_app:create_app()", url, data_dir)
        try:
            psessions = [login(pbase) for _ in range(CLIENTS)]
            bsessions = [requests.Session() for _ in range(CLIENTS)]
            pages = {
                "profile (2,000 interactions)": f"/members/{member_id}",
                f"search, mid word ({MID_WORD})": f"/search/?q={MID_WORD}",
                "search, common word (refund)": "/search/?q=refund",
                "inbox": "/inbox/",
                "overview": "/",
            }
            for name, path in pages.items():
                p_rps, p_p99 = load(psessions, pbase + path, seconds)
                b_rps, b_p99 = load(bsessions, bbase + path, seconds)
                ratio = p_rps / b_rps
                target, ok = at_least(ratio, RATIO_TARGET)
                ok = ok and p_p99 <= P99_TARGET_MS
                say(f"  {name}: product {p_rps:.0f} req/s p99 {p_p99:.0f} ms; bare {b_rps:.0f} req/s p99 {b_p99:.0f} ms")
                results.append(Result(
                    "pages", f"{name}: product/bare req/s", backend, round(ratio, 2), "x",
                    f"{target}, p99 <= {P99_TARGET_MS:.0f} ms", ok,
                    f"product {p_rps:.0f} req/s (p99 {p_p99:.0f} ms), bare Flask {b_rps:.0f} req/s (p99 {b_p99:.0f} ms), c={CLIENTS}",
                ))
        finally:
            for proc in (product, bare):
                proc.terminate()
                proc.wait(10)
    return results


def main(quick: bool = False) -> list[Result]:
    n, seconds = (20_000, 3.0) if quick else (100_000, 8.0)
    results: list[Result] = []
    for backend in BACKENDS:
        if backend == "postgresql" and (why := postgres_available()):
            results.append(Result("pages", "pages", backend, None, "", "", False, why))
            continue
        results.extend(run_backend(backend, n, seconds))
    return results


if __name__ == "__main__":
    for row in main(quick="--quick" in sys.argv):
        print(row)
