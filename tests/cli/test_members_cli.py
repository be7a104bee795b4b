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


def test_suggestions_log_rules_dismiss_snooze_and_profiles(app, db, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from cli import members as identity_cli
    from cli.main import cli
    from crm.identities.models import MergeSuggestion

    monkeypatch.setattr(identity_cli, "_configure", lambda: None)
    when = datetime(2025, 6, 1, tzinfo=UTC)
    ingest_batch(db, [
        Mention(platform=p, external_id=f"{p}-{h}", author=Author(id=f"{p}-{h}", handle=h, display_name=n),
                created_at=when, text="Danke für das Update")
        for p, h, n in (("reddit", "wiebkehasselkamp", "Wiebke Hasselkamp"), ("x", "wiebkehasselkamp", "Wiebke Hasselkamp"),
                        ("reddit", "ottokrummbein", "Otto Krummbein"), ("mastodon", "ottokrummbein", "Otto Krummbein"))
    ])
    db.commit()
    runner = CliRunner()
    assert runner.invoke(cli, ["members", "suggest", "--rebuild"]).exit_code == 0
    out = runner.invoke(cli, ["members", "suggestions", "--json"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert len(rows) == 2 and all(r["score"] >= 0.7 and r["evidence"] for r in rows)
    table = runner.invoke(cli, ["members", "suggestions"]).output
    assert "2 to review" in table and "same_rare_name" in table
    first, second = rows[0]["id"], rows[1]["id"]
    assert "Snoozed suggestion" in runner.invoke(cli, ["members", "snooze", str(first), "--days", "5"]).output
    assert "Dismissed" in runner.invoke(cli, ["members", "dismiss", str(second), "--reason", "two Ottos"]).output
    assert runner.invoke(cli, ["members", "dismiss", str(second)]).exit_code == 1  # already handled
    db.expire_all()
    assert db.get(MergeSuggestion, first).status == "snoozed"  # type: ignore[union-attr]
    assert "1 snoozed" in runner.invoke(cli, ["members", "suggestions", "--snoozed"]).output
    rules = json.loads(runner.invoke(cli, ["members", "rules", "--json"]).output)
    assert rules["threshold"] == 0.7 and rules["rules"]["mutual_links"] is True
    assert runner.invoke(cli, ["members", "rules", "--off", "nope"]).exit_code == 1
    a, b = sorted(db.scalars(select(Identity.member_id).where(Identity.handle == "wiebkehasselkamp")))
    merged = runner.invoke(cli, ["members", "merge", str(a), str(b)])
    log = runner.invoke(cli, ["members", "log", "--json"]).output
    assert json.loads(log.splitlines()[0])["kept_member_id"] == a and merged.exit_code == 0
    profiles = tmp_path / "profiles.jsonl"
    profiles.write_text('{"platform": "reddit", "external_id": "reddit-ottokrummbein", "bio": "hi"}\n'
                        "not json\n"
                        '{"platform": "x", "external_id": "nobody"}\n'
                        '{"platform": "x", "external_id": "x-wiebkehasselkamp", "links": "oops"}\n', encoding="utf-8")
    out = runner.invoke(cli, ["members", "profiles", str(profiles)])
    assert out.exit_code == 0, out.output
    assert "1 profiles updated, 3 lines skipped" in out.output
    assert "skipped line 2: not JSON" in out.output and "skipped line 3: there is no x account" in out.output
    assert "skipped line 4: links must be a list" in out.output
    db.expire_all()
    assert db.scalar(select(Identity.bio).where(Identity.external_id == "reddit-ottokrummbein")) == "hi"
