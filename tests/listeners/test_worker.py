"""A real RQ worker against real Redis runs import_file on committed data in its own database.

The rollback-per-test session cannot be used here: the job opens its own connections and must
see committed rows, so the test migrates a scratch SQLite file and points listeners.runtime at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.job import JobStatus
from sqlalchemy import func, select

from crm.engine import make_engine, make_session_factory
from crm.imports.models import ImportRun
from crm.interactions.models import Interaction
from crm.migrate import upgrade
from crm.settings import Settings
from listeners import jobs, runtime
from listeners.queue import RQQueue
from listeners.rq_workers import PromptSimpleWorker as SimpleWorker


@pytest.fixture()
def scratch_settings(tmp_path: Path) -> Iterator[Settings]:
    """A migrated SQLite file of its own, set as the process runtime; restored afterwards."""
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    upgrade(url)
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="worker-test-secret-key")
    before = runtime._runtime
    rt = runtime.configure(settings)
    yield settings
    rt.engine.dispose()
    runtime._runtime = before


def test_rq_worker_imports_a_file(scratch_settings: Settings, redis_url: str, tmp_path: Path) -> None:
    path = tmp_path / "worker.jsonl"
    path.write_text("".join(
        json.dumps({
            "platform": "x", "external_id": f"w-{n}", "created_at": f"2026-04-01T08:00:{n:02d}Z",
            "text": f"Worker line {n}", "author": {"id": f"a{n % 2}", "handle": f"worker{n % 2}"},
        }) + "\n"
        for n in range(1, 6)
    ) + "not json\n")
    engine = make_engine(scratch_settings.database_url)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        run = ImportRun(filename=path.name, stored_path=str(path), format="jsonl",
                        total_bytes=path.stat().st_size, errors=[])
        s.add(run)
        s.flush()
        run_id = run.id

    connection = Redis.from_url(redis_url)
    queue = Queue("ingest", connection=connection)
    job = queue.enqueue(jobs.import_file, run_id, job_timeout=60)
    assert SimpleWorker([queue], connection=connection).work(burst=True)

    assert job.get_status(refresh=True) == JobStatus.FINISHED, job.latest_result()
    assert job.return_value() == "done"
    with factory() as s:
        run = s.get(ImportRun, run_id)
        assert run is not None
        assert (run.status, run.new_count, run.quarantined_count, run.lines_read) == ("done", 5, 1, 6)
        assert s.scalar(select(func.count()).select_from(Interaction)) == 5
        assert set(s.scalars(select(Interaction.external_id))) == {f"w-{n}" for n in range(1, 6)}
    engine.dispose()
    connection.close()


def test_rq_queue_refuses_a_second_job_with_a_queued_id(redis_url: str) -> None:
    queue = RQQueue(redis_url)
    first = queue.enqueue(jobs.import_file, 1, queue="ingest", job_id="import-1")
    assert first is not None and first.id == "import-1"
    assert queue.enqueue(jobs.import_file, 1, queue="ingest", job_id="import-1") is None
    assert queue.enqueue(jobs.import_file, 2, queue="ingest", job_id="import-2") is not None
    assert queue.queues["ingest"].count == 2
    queue.connection.close()
