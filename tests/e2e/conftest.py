"""The product as it runs in production: real `crm` processes and gunicorn as subprocesses,
on a fresh PostgreSQL database and a private Redis server started on a free port.

PostgreSQL comes from TEST_PG_ADMIN_URL (default: the machine's, as in `make test`); a missing
server or redis-server binary is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[2]
# tests/fakes importable as ``fakes`` (as tests/connectors and tests/listeners do).
sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Stack:
    """One production-like installation: its environment, database and processes."""

    env: dict[str, str]
    engine: Engine
    logs: Path
    redis_port: int
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def crm(self, *args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run one `crm` command to completion; fail with its output if it fails."""
        out = subprocess.run([str(BIN / "crm"), *args], env=self.env, cwd=self.logs, input=stdin,
                             capture_output=True, text=True, timeout=timeout)
        (self.logs / f"crm-{args[0]}-{uuid.uuid4().hex[:4]}.log").write_text(out.stdout + out.stderr)
        assert out.returncode == 0, f"crm {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
        return out

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        """Start a long-running process (its own process group), logging to logs/NAME.log."""
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(argv, env=self.env, cwd=self.logs, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a process and all its children (a worker and its work horse)."""
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:  # a warm shutdown that waits: end it
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):  # Redis, started first, stops last
            self.kill(name, signal.SIGTERM if self.procs[name].poll() is None else signal.SIGKILL)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def tracebacks(self) -> dict[str, str]:
        """Every log that shows a Python traceback."""
        found = {}
        for path in self.logs.glob("*.log"):
            content = path.read_text(errors="replace")
            if "Traceback (most recent call last)" in content:
                found[path.name] = content[-3000:]
        return found


@pytest.fixture()
def stack(tmp_path: Path) -> Iterator[Stack]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (make services installs it)")
    name = f"crm_e2e_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - re-raised with what a developer needs
        pytest.fail(f"PostgreSQL at {PG_ADMIN} is not reachable: {exc}")
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "TEST_"))}
    env.update({
        "DATABASE_URL": url, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "e2e-secret-key-0123456789", "HEAL_AFTER_SECONDS": "5", "WORKER_HEARTBEAT_SECONDS": "1",
        "INGEST_BATCH_SIZE": "500", "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "PYTHONUNBUFFERED": "1",
    })
    logs = tmp_path / "logs"
    logs.mkdir()
    engine = create_engine(url)
    st = Stack(env, engine, logs, redis_port)
    st.procs["redis"] = redis
    try:
        wait_for(lambda: _redis_up(redis_port), 20, "the private redis-server")
        yield st
    finally:
        st.stop_all()
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _redis_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def mentions_file(path: Path, n: int, *, prefix: str, bad_lines: tuple[int, ...] = ()) -> Path:
    """A JSONL import of ``n`` mentions by n/10 people; ``bad_lines`` (1-based) are broken."""
    with path.open("w") as f:
        for i in range(1, n + 1):
            if i in bad_lines:
                f.write("{not json\n")
                continue
            f.write(json.dumps({
                "platform": "reddit", "external_id": f"t1_{prefix}{i}", "kind": "comment",
                "author": {"id": f"t2_{prefix}{i % max(1, n // 10)}", "handle": f"{prefix}user{i % max(1, n // 10)}"},
                "text": f"Is the sync broken again? Message {i} about the Nimbus app" if i % 3 == 0
                else f"Nimbus sync works great today, thanks team ({i})",
                "created_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            }) + "\n")
    return path


class Browser:
    """A signed-in requests session against the running gunicorn."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def csrf(self, path: str) -> str:
        page = self.http.get(self.base + path, timeout=10)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert m, f"no CSRF token on {path}"
        return m.group(1)

    def login(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        r = self.http.post(self.base + "/login", data={"csrf_token": token, "email": email, "password": password},
                           timeout=10, allow_redirects=False)
        assert r.status_code in (302, 303), f"login answered {r.status_code}"

    def upload(self, path: Path) -> int:
        token = self.csrf("/imports/")
        with path.open("rb") as f:
            r = self.http.post(self.base + "/imports/", data={"csrf_token": token, "format": "jsonl"},
                               files={"file": (path.name, f)}, timeout=30, allow_redirects=False)
        assert r.status_code in (302, 303), f"upload answered {r.status_code}: {r.text[:300]}"
        return int(r.headers["Location"].rstrip("/").split("/")[-1])


def start_web(st: Stack) -> Browser:
    """gunicorn as in the Procfile (fewer workers), and a browser that waits for it."""
    port = free_port()
    st.start("web", [str(BIN / "gunicorn"), "--workers", "2", "--timeout", "120", "--bind", f"127.0.0.1:{port}",
                     "web:create_app()"])
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(base + "/login", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_for(up, 60, "gunicorn to answer")
    return Browser(base)
