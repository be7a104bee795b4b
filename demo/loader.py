"""Load the bundled demo dataset through the real import path, and create the demo login."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.files import iter_file
from crm.imports import services as imports
from crm.interactions.models import Interaction
from crm.users.models import User
from crm.users.services import create_user
from listeners import imports as import_loop

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


def load_demo(factory: sessionmaker[Session], now: datetime | None = None) -> tuple[str, str, str]:
    """Load the dataset once (shifted to end at ``now``); return (e-mail, password, summary)."""
    from demo.dataset import write_jsonl

    with factory.begin() as s:
        have = s.scalar(select(func.count(Interaction.id))) or 0
        if s.scalar(select(User.id).where(User.email == DEMO_EMAIL)) is None:
            create_user(
                s, email=DEMO_EMAIL, password=DEMO_PASSWORD, role="admin", name="Demo Admin"
            )
    if have:
        return DEMO_EMAIL, DEMO_PASSWORD, f"Demo data already loaded ({have} interactions)."
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.jsonl"
        write_jsonl(path, now=now or datetime.now(UTC))
        reader = iter_file(path, "jsonl")
        with reader:
            with factory.begin() as s:
                run = imports.create_run(
                    s,
                    filename="demo.jsonl",
                    fmt="jsonl",
                    stored_path=None,
                    total_bytes=reader.total_bytes or 0,
                )
                for mentions, rejected, report, last in import_loop.batches(
                    reader, 2000, origin="demo"
                ):
                    import_loop.apply_batch(
                        s,
                        run,
                        mentions,
                        rejected,
                        report,
                        last_line=last,
                        bytes_read=reader.bytes_read,
                        origin="demo",
                    )
                imports.mark_finished(run)
                summary = f"Loaded the demo: {run.new_count} interactions, {run.quarantined_count} quarantined."
    return DEMO_EMAIL, DEMO_PASSWORD, summary
