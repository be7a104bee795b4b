"""`crm members erase|access` and `crm privacy retention|unsuppress|log` against the test database."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from connectors.base import Author
from crm.db import utcnow
from crm.interactions.models import Interaction
from crm.members.models import Member
from tests.factories import ingest, member_of, mention


def test_erase_and_access_from_the_cli(app, db, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cli import members as members_cli
    from cli.main import cli

    monkeypatch.setattr(members_cli, "_configure", lambda: None)  # the app fixture configured the runtime
    who = Author(id="cli-1", handle="cli_person", display_name="Clio Person")
    ingest(db, mention(external_id="c-1", by=who, text="first"), mention(external_id="c-2", by=who, text="second"),
           mention(external_id="o-1", text="someone else"))
    db.commit()
    mid = member_of(db, "reddit", "cli-1").id
    runner = CliRunner()
    out = runner.invoke(cli, ["members", "access", str(mid)])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert sorted(i["external_id"] for i in report["interactions"]) == ["c-1", "c-2"]
    target = tmp_path / "a.zip"
    out = runner.invoke(cli, ["members", "access", str(mid), "--format", "zip", "-o", str(target)])
    assert out.exit_code == 0 and "interactions.csv" in zipfile.ZipFile(target).namelist()
    out = runner.invoke(cli, ["members", "erase", str(mid)], input="n\n")
    assert out.exit_code == 1 and "Clio Person" in out.output and "2 interactions" in out.output
    db.expire_all()
    assert db.get(Member, mid) is not None
    out = runner.invoke(cli, ["members", "erase", str(mid), "--yes", "--reason", "request 12"])
    assert out.exit_code == 0, out.output
    assert "2 interactions" in out.output and "2 suppression entries" in out.output
    db.expire_all()
    assert db.get(Member, mid) is None
    assert runner.invoke(cli, ["members", "erase", str(mid), "--yes"]).exit_code == 1  # gone: a clear error


def test_retention_from_the_cli_dry_run_then_run(app, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cli import privacy as privacy_cli
    from cli.main import cli
    from listeners.runtime import transaction

    monkeypatch.setattr(privacy_cli, "_transaction", transaction)
    old = utcnow() - timedelta(days=10)
    ingest(db, *[mention(external_id=f"r-{i}", text=f"old item {i}", created_at=old) for i in range(7)],
           mention(external_id="r-new", text="new item", created_at=utcnow()),
           mention(external_id="x-old", platform="x", text="old on x", created_at=old))
    db.commit()
    runner = CliRunner()
    out = runner.invoke(cli, ["privacy", "retention", "--set", "platform:reddit=5", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "would delete 7" in out.output
    german = runner.invoke(cli, ["privacy", "retention", "--dry-run"], env={"DEFAULT_LANGUAGE": "de"})
    assert "Interaktionen auf reddit: 5 Tage aufbewahren; würde 7 älter als" in german.output, german.output
    assert db.scalar(select(func.count()).select_from(Interaction)) == 9
    assert runner.invoke(cli, ["privacy", "retention", "--set", "platform:reddit=zero"]).exit_code == 1
    out = runner.invoke(cli, ["privacy", "retention", "--run"])
    assert out.exit_code == 0, out.output
    assert "Deleted 7 in all" in out.output
    db.expire_all()
    assert sorted(db.scalars(select(Interaction.external_id))) == ["r-new", "x-old"]
    # Member aggregates stay: retention keeps the numbers, not the texts.
    assert sum(db.scalars(select(Member.interaction_count))) == 9
    out = runner.invoke(cli, ["privacy", "log"])
    assert "retention_changed" in out.output and "retention_run" in out.output
