"""The process's database handle for jobs, configured by each entry point (never at import).

Web (``create_app``), the worker's ``main`` and tests call :func:`configure`. In a forking RQ
worker the engine's pooled connections must not cross the fork, so a configured engine is
disposed (without closing the parent's sockets) in every child.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from crm.engine import make_engine, make_session_factory
from crm.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    job_queue: Any = None


log = logging.getLogger(__name__)
_runtime: Runtime | None = None
_fork_hook_installed = False


def configure(
    settings: Settings, session_factory: sessionmaker[Session] | None = None, job_queue: Any = None
) -> Runtime:
    """Set the process's runtime; build the engine from settings unless a factory is given."""
    global _runtime, _fork_hook_installed
    if session_factory is None:
        engine = make_engine(settings.database_url)
        session_factory = make_session_factory(engine)
    else:
        engine = session_factory.kw["bind"]
    _runtime = Runtime(settings, engine, session_factory, job_queue)
    if not _fork_hook_installed and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_dispose_in_child)
        _fork_hook_installed = True
    return _runtime


def _dispose_in_child() -> None:
    if _runtime is not None:
        _runtime.engine.dispose(close=False)


def get() -> Runtime:
    """The configured runtime; in an RQ worker configured lazily from the environment."""
    if _runtime is None:
        return configure(Settings.from_env())
    return _runtime


def queue() -> Any:
    """The queue follow-up jobs go to: the app's, or one built from settings (RQ or inline)."""
    rt = get()
    if rt.job_queue is None:
        from listeners.queue import make_queue

        rt.job_queue = make_queue(rt.settings, background=False)
    return rt.job_queue


def enqueue_after_commit(session: Session, func: Callable[..., Any], *args: Any, **options: Any) -> None:
    """Enqueue a job once ``session`` commits; dropped if it rolls back (warehouse's pattern).

    A queue that cannot take the job then (Redis down) is logged, not raised: what the job
    would do is already recorded in the database (the outbox, a lease, an import run), and the
    dispatcher's healing step enqueues it again.
    """
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_rollback", _drop_pending)
        session.info[_HOOKED] = True
    session.info.setdefault(_PENDING, []).append((func, args, options))


_PENDING, _HOOKED = "crm.jobs_after_commit", "crm.jobs_hooked"


def _send_pending(session: Session) -> None:
    jobs = session.info.pop(_PENDING, [])
    if not jobs:
        return
    q = queue()
    for func, args, options in jobs:
        try:
            q.enqueue(func, *args, **options)
        except Exception:  # noqa: BLE001 - the work is in the database; healing re-enqueues it
            log.warning("could not enqueue %s after commit; it will be re-enqueued", func.__name__, exc_info=True)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


@contextmanager
def transaction() -> Iterator[Session]:
    """A session in a transaction: commits on success, rolls back and re-raises on error."""
    with get().session_factory.begin() as session:
        yield session
