"""`crm members ...` against the test database."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import select

from connectors.base import Author, Mention
from crm.ingest import ingest_batch
from crm.members.models import Identity, Member


def test_suggest_merge_unmerge_and_map(app, db, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cli import members as identity_cli
    from cli.main import cli

    monkeypatch.setattr(identity_cli, "_configure", lambda: None)  # the app fixture configured the runtime
    when = datetime(2025, 6, 1, tzinfo=UTC)
    ingest_batch(db, [
        Mention(platform=p, external_id=f"{p}-1", author=Author(id=f"{p}-a", handle="jmueller", display_name=n),
                created_at=when, text="Danke für das Update")
        for p, n in (("reddit", "Jürgen Müller"), ("x", "Juergen Mueller"))
    ])
    db.commit()
    runner = CliRunner()
    out = runner.invoke(cli, ["members", "suggest", "--rebuild"])
    assert out.exit_code == 0, out.output
    assert "1 new suggestions" in out.output
    a, b = sorted(db.scalars(select(Identity.member_id)))
    out = runner.invoke(cli, ["members", "merge", str(a), str(b), "--reason", "same person"])
    assert out.exit_code == 0, out.output
    audit_id = int(out.output.rsplit("#", 1)[1].rstrip(")\n"))
    assert runner.invoke(cli, ["members", "merge", str(a), str(b)]).exit_code == 1  # already merged
    out = runner.invoke(cli, ["members", "unmerge", str(audit_id)])
    assert out.exit_code == 0, out.output
    db.expire_all()
    assert db.get(Member, b).merged_into_id is None  # type: ignore[union-attr]
    mapping = tmp_path / "map.csv"
    mapping.write_text("reddit,reddit-a,x,x-a,from the CRM\nreddit,missing,x,x-a\n", encoding="utf-8")
    out = runner.invoke(cli, ["members", "map", str(mapping)])
    assert out.exit_code == 0, out.output
    assert "1 merges, 1 lines skipped" in out.output
    db.expire_all()
    assert db.get(Member, b).merged_into_id == a  # type: ignore[union-attr]
