"""Our own team accounts are never part of an audience."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Author, Mention
from crm.inbox.services import add_team_account
from crm.ingest import ingest_batch
from crm.segments.services import preview


def test_segments_leave_out_team_accounts(db):  # noqa: ANN001
    now = datetime.now(UTC)
    authors = [Author(id="t2_team", handle="acme_team", display_name="Acme"),
               Author(id="t2_fan", handle="fan_one", display_name="Fan One")]
    ingest_batch(db, [
        Mention(platform="reddit", external_id=f"{a.id}-{i}", author=a, created_at=now - timedelta(hours=i + 1),
                text="Great release")
        for a in authors for i in range(4)
    ])
    rule = {"field": "interactions", "min": 3, "days": 30}
    assert {m.display_name for m in preview(db, rule).members} == {"Acme", "Fan One"}

    add_team_account(db, platform="reddit", handle="acme_team")
    result = preview(db, rule)
    assert result.count == 1
    assert [m.display_name for m in result.members] == ["Fan One"]
