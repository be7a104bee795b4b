"""Work that follows a committed ingest batch: enqueued after the commit, never before.

Each area hooks in here (alert evaluation, merge suggestions); the hooks take ids only.
"""

from __future__ import annotations

from collections.abc import Callable

from crm.ingest import IngestResult

_hooks: list[Callable[[IngestResult], None]] = []


def register(hook: Callable[[IngestResult], None]) -> None:
    """Add a follow-up; called once per process by the area that owns it."""
    if hook not in _hooks:
        _hooks.append(hook)


def after_ingest(result: IngestResult) -> None:
    """Run every registered follow-up for a batch that has been committed."""
    if not result.new:
        return
    for hook in _hooks:
        hook(result)
