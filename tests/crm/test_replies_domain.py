"""Reply lengths as the platforms count them, saved replies, presence (issue 18 parts 1-3).

The X cases are hand-computed from twitter-text v3's rules (config v3: weight 100 for
U+0000-U+10FF and the listed punctuation ranges, 200 otherwise, 23 per URL, an emoji
sequence 200 once), not from our implementation's output.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.errors import InvalidInput, PermissionDenied
from crm.inbox.models import InboxItem
from crm.inbox.triage import triage
from crm.replies import limits, presence, saved
from crm.replies.models import Presence
from crm.users.services import create_user
from tests.factories import ingest, mention, unique


@pytest.mark.parametrize(("text", "expected"), [
    ("a" * 280, 280),
    ("a" * 281, 281),
    ("日本語" * 46 + "日本", 280),               # CJK weighs 2: 140 of them fill a tweet
    ("Grüße aus Köln — ça va?", 23),             # Latin-1, Latin Extended, the em dash: weight 1
    ("Details: https://example.org/a/very/long/path?with=query&and=more#fragment", 9 + 23),
    ("see example.com/help.", 4 + 23 + 1),        # a bare domain is a URL too; the final dot is not
    ("👍", 2), ("👍🏽", 2), ("👨‍👩‍👧‍👦", 2), ("🇩🇪", 2),  # one emoji sequence: 2, however many code points
    ("e\u0301", 1),                               # NFC first: é is one character
    ("한국어", 6),
])
def test_x_weighted_length(text: str, expected: int) -> None:
    assert limits.x_length(text) == expected


def test_platform_limits() -> None:
    assert limits.count("x", "日" * 140).fits and not limits.count("x", "日" * 141).fits
    family = "👨‍👩‍👧‍👦"
    assert limits.count("bluesky", family * 300).fits        # 300 graphemes (1,200+ code points)
    assert not limits.count("bluesky", family * 301).fits
    assert limits.count("mastodon", "a" * 500).fits and not limits.count("mastodon", "a" * 501).fits
    assert limits.count("mastodon", "a" * 501, limit=1000).fits   # the instance's own limit
    # Mastodon: a remote mention counts without its domain, a URL as 23.
    assert limits.mastodon_length("@anna@chaos.social see https://example.org/" + "x" * 100) == len("@anna see ") + 23
    assert limits.count("reddit", "a" * 10_000).fits and not limits.count("reddit", "a" * 10_001).fits
    assert limits.count("discourse", "a" * 32_000).fits


def _user(db: Session, role: str):  # type: ignore[no-untyped-def]
    return create_user(db, email=f"{unique(role)}@example.com", password="correct horse", role=role, name=role)


def test_saved_replies_shared_or_personal_with_variables(db: Session) -> None:
    manager, other, marketer = _user(db, "manager"), _user(db, "manager"), _user(db, "marketer")
    saved.create_saved_reply(db, owner=manager, shortcut="/thanks", title="Thanks", language="en",
                             body="Thanks {first_name}! Try {product}: {link}", shared=True)
    saved.create_saved_reply(db, owner=manager, shortcut="danke", title="Danke", language="de",
                             body="Danke, {handle}!")
    mine = saved.create_saved_reply(db, owner=marketer, shortcut="note", title="", body="My own text")
    assert [r.shortcut for r in saved.saved_replies_for(db, manager)] == ["danke", "thanks"]
    assert [r.shortcut for r in saved.saved_replies_for(db, other)] == ["thanks"]
    assert [r.shortcut for r in saved.saved_replies_for(db, marketer)] == ["note", "thanks"]
    assert [r.shortcut for r in saved.saved_replies_for(db, manager, language="de")] == ["danke"]
    assert [r.shortcut for r in saved.saved_replies_for(db, manager, query="/tha")] == ["thanks"]
    body = saved.saved_replies_for(db, other)[0].body
    assert saved.render(body, {"first_name": "Ana", "product": "Nimbus", "link": None}) == \
        "Thanks Ana! Try Nimbus: {link}"
    with pytest.raises(InvalidInput, match="Unknown variable"):
        saved.create_saved_reply(db, owner=manager, shortcut="x", title="", body="Hi {name}")
    with pytest.raises(InvalidInput):
        saved.create_saved_reply(db, owner=manager, shortcut="two words", title="", body="Hi")
    with pytest.raises(PermissionDenied):
        saved.create_saved_reply(db, owner=marketer, shortcut="team", title="", body="Hi", shared=True)
    with pytest.raises(PermissionDenied):
        saved.delete_saved_reply(db, mine.id, actor=other)
    saved.delete_saved_reply(db, mine.id, actor=marketer)


def test_presence_expires(db: Session) -> None:
    ids = ingest(db, mention(text="How do I move my files?")).new_ids
    triage(db, ids)
    item = db.query(InboxItem).filter_by(interaction_id=ids[0]).one()
    a, b = _user(db, "manager"), _user(db, "admin")
    presence.touch(db, item_id=item.id, user_id=a.id, activity="replying")
    presence.touch(db, item_id=item.id, user_id=b.id)
    assert [(p.user_id, p.activity) for p in presence.others(db, item_id=item.id, user_id=b.id)] == [(a.id, "replying")]
    assert presence.others(db, item_id=item.id, user_id=a.id)[0].activity == "viewing"
    row = db.query(Presence).filter_by(user_id=a.id).one()
    row.seen_at = utcnow() - presence.TTL - timedelta(seconds=1)
    db.flush()
    assert presence.others(db, item_id=item.id, user_id=b.id) == []
    assert presence.prune(db) == 1
