"""Issue 18 part 8: the inbox ends in the same state whatever the order of arrival and declaration.

The threads are generated from a seed (people asking, the team answering some of them, a
thread the team started with people replying in it, a person answering another person), then
replayed in orders that real sources produce: oldest first, newest first (polling and
backfills), and "import everything, then declare the team account, then triage --all".
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.inbox import services
from crm.inbox.models import InboxItem
from crm.inbox.triage import triage
from crm.interactions.models import Interaction
from tests.factories import BASE_TIME, author, ingest, mention, unique

QUESTIONS = ["How do I restore a deleted folder?", "Why does sync stop at 99%?", "Can I share a link read-only?",
             "Is there a way to undo a move?", "Wie kann ich die App auf Deutsch stellen?"]


def _threads(seed: int) -> tuple[Author, list[Mention]]:
    rng = random.Random(seed)
    team = author(unique("team"), handle=unique("nimbus_team"))
    out: list[Mention] = []
    minute = 0
    for _ in range(12):
        minute += rng.randint(1, 30)
        asker = author()
        root = mention(by=asker, text=rng.choice(QUESTIONS), minutes=minute)
        out.append(root)
        if rng.random() < 0.3:  # someone else chimes in, then the asker asks again
            other = mention(by=author(), text="Same problem here, any idea why?", kind="comment",
                            parent_id=root.external_id, thread_id=root.external_id, minutes=minute + 2)
            out.append(other)
        if rng.random() < 0.7:
            out.append(mention(by=team, text="Settings, then Versions, then Restore.", kind="reply",
                               parent_id=root.external_id, thread_id=root.external_id,
                               minutes=minute + rng.randint(3, 90)))
    # A thread the team started; people answer in it; the team answers one of them.
    minute += 10
    post = mention(by=team, text="We released version 5 today. Tell us what you think.", minutes=minute)
    out.append(post)
    for k in range(3):
        reply = mention(by=author(), text="Does it fix the sync bug?", kind="comment",
                        parent_id=post.external_id, thread_id=post.external_id, minutes=minute + 5 + k)
        out.append(reply)
        if k == 0:
            out.append(mention(by=team, text="Yes, it does.", kind="reply", parent_id=reply.external_id,
                               thread_id=post.external_id, minutes=minute + 30))
    return team, out


def _state(db: Session, mentions: list[Mention]) -> dict[str, Any]:
    db.expire_all()
    rows = db.execute(
        select(Interaction.external_id, InboxItem.status, InboxItem.handled_via, InboxItem.first_response_seconds,
               InboxItem.reasons)
        .join(InboxItem, InboxItem.interaction_id == Interaction.id)
        .where(Interaction.external_id.in_([m.external_id for m in mentions]))
    ).all()
    return {r.external_id: (r.status, r.handled_via, r.first_response_seconds, r.reasons) for r in rows}


def _rename(mentions: list[Mention], team: Author, tag: str) -> tuple[Author, list[Mention]]:
    """The same threads under fresh ids, so one database holds every replay."""
    new_team = Author(id=team.id + tag, handle=team.handle + tag)
    def ext(x: str | None) -> str | None:
        return None if x is None else x + tag
    out = []
    for m in mentions:
        who = new_team if m.author.id == team.id else Author(id=m.author.id + tag, handle=m.author.handle + tag)
        out.append(Mention(platform=m.platform, external_id=m.external_id + tag, author=who, created_at=m.created_at,
                           text=m.text, kind=m.kind, parent_id=ext(m.parent_id), thread_id=ext(m.thread_id)))
    return new_team, out


def _strip(state: dict[str, Any], tag: str) -> dict[str, Any]:
    return {k.removesuffix(tag): v for k, v in state.items()}


def _replay(db: Session, team: Author, mentions: list[Mention], order: str) -> dict[str, Any]:
    if order == "declare_after":
        ids = ingest(db, *mentions).new_ids
        triage(db, ids)  # triage --all before anyone declared the account
        services.add_team_account(db, platform="reddit", handle=team.handle)
        triage(db, ids)  # and once more, as `crm inbox triage --all` would
        return _state(db, mentions)
    services.add_team_account(db, platform="reddit", handle=team.handle)
    seq = sorted(mentions, key=lambda m: m.created_at, reverse=(order == "newest_first"))
    for m in seq:  # one poll per item: each batch is triaged on its own
        triage(db, ingest(db, m).new_ids)
    return _state(db, mentions)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_end_state_whatever_the_order(db: Session, seed: int) -> None:
    team, mentions = _threads(seed)
    results = {}
    for order in ("oldest_first", "newest_first", "declare_after"):
        tag = f"~{order}"
        t, ms = _rename(mentions, team, tag)
        results[order] = _strip(_replay(db, t, ms, order), tag)
    expected = results["oldest_first"]
    answered = [k for k, v in expected.items() if v[1] == "team_reply"]
    assert len(answered) >= 5  # the data really has answered items
    assert results["newest_first"] == expected
    assert results["declare_after"] == expected
    # The team's own posts are never items, and nothing was "answered" in 0 s by itself.
    team_posts = {m.external_id for m in mentions if m.author.id == team.id}
    assert not team_posts & set(expected)
    assert all(v[2] is None or v[2] > 0 for v in expected.values())


def test_answer_stored_before_the_question_handles_it_with_the_real_response_time(db: Session) -> None:
    team = author(unique("team"), handle=unique("crew"))
    services.add_team_account(db, platform="reddit", handle=team.handle)
    q = mention(text="How do I export my files?", minutes=0)
    a = mention(by=team, text="File, then Export.", kind="reply", parent_id=q.external_id,
                thread_id=q.external_id, minutes=25)
    triage(db, ingest(db, a).new_ids)
    triage(db, ingest(db, q).new_ids)
    state = _state(db, [q])
    assert state[q.external_id][:3] == ("handled", "team_reply", 25 * 60)
    assert BASE_TIME  # the factory's clock is the reference of the minutes above
