"""The overview counts people, not our own team accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Author, Mention
from crm.inbox.services import add_team_account
from crm.ingest import ingest_batch


def _posts(platform: str, author: Author, n: int, text: str) -> list[Mention]:
    now = datetime.now(UTC)
    return [
        Mention(platform=platform, external_id=f"{author.id}-{i}", author=author,
                created_at=now - timedelta(hours=i + 1), text=text)
        for i in range(n)
    ]


def test_team_accounts_are_not_among_the_most_active_members(client, login, db):  # noqa: ANN001
    team = Author(id="t2_team", handle="acme_team", display_name="Acme Official")
    fan = Author(id="t2_fan", handle="fan_one", display_name="Frieda Fan")
    ingest_batch(db, _posts("reddit", team, 9, "Release notes are up, enjoy!")
                 + _posts("reddit", fan, 2, "Love the new release, great work"))
    add_team_account(db, platform="reddit", handle="acme_team")
    db.commit()
    login("viewer")

    page = client.get("/").get_data(as_text=True)

    most_active = page.split("Most active members", 1)[1].split("</section>", 1)[0]
    assert "Frieda Fan" in most_active
    assert "Acme Official" not in most_active
    # The week's volume counts the fan's two posts, not the team's nine.
    assert "positive 2 (100%)" in page.replace("\n", " ").split("Sentiment, last 7 days", 1)[1]
