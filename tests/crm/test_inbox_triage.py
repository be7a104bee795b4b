"""Triage into the inbox, team accounts, auto-handling, actions with role checks, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import InvalidInput, PermissionDenied
from crm.inbox import actions, reminders, services
from crm.inbox.listing import InboxFilter, list_inbox
from crm.inbox.models import InboxEvent, InboxItem, TeamAccount
from crm.inbox.team import not_team
from crm.inbox.triage import TriageResult, triage
from crm.interactions.models import Interaction
from crm.users.services import create_user
from tests.factories import BASE_TIME, author, ingest, mention, unique

TEAM = author("team-1", handle="Nimbus_Team")


def _user(db: Session, role: str):  # type: ignore[no-untyped-def]
    return create_user(db, email=f"{unique(role)}@example.com", password="correct horse", role=role, name=role)


def _triage(db: Session, *mentions) -> tuple[TriageResult, list[int]]:  # type: ignore[no-untyped-def]
    result = ingest(db, *mentions)
    return triage(db, result.new_ids), result.new_ids


def _item(db: Session, interaction_id: int) -> InboxItem | None:
    db.expire_all()
    return db.scalar(select(InboxItem).where(InboxItem.interaction_id == interaction_id))


@pytest.fixture()
def team(db: Session) -> TeamAccount:
    return services.add_team_account(db, platform="reddit", handle="@nimbus_team")


def test_questions_negatives_and_mentions_enter_the_inbox(db: Session, team: TeamAccount) -> None:
    res, ids = _triage(
        db,
        mention(text="How do I share a folder read-only?"),
        mention(text="This is terrible, awful, broken software. I hate it."),
        mention(text="Shout-out to u/nimbus_team for the release notes"),
        mention(text="The parcel arrived on Tuesday afternoon."),
    )
    assert res.created == 3
    reasons = [(_item(db, i) or InboxItem(reasons="-")).reasons for i in ids]
    assert reasons[0] == "question"
    assert "negative" in reasons[1]
    assert reasons[2] == "mention"
    assert reasons[3] == "-"


def test_triage_is_idempotent(db: Session) -> None:
    res, ids = _triage(db, mention(text="wie kann ich den Ordner verschieben", language="de"))
    assert res.created == 1
    again = triage(db, ids)
    assert again.created == 0
    assert db.scalar(select(InboxItem.id).where(InboxItem.interaction_id == ids[0])) is not None


def test_team_reply_handles_the_question_and_records_first_response(db: Session, team: TeamAccount) -> None:
    asker = author()
    q = mention(by=asker, external_id=unique("q"), text="How do I restore a file?", minutes=0)
    _, (qid,) = _triage(db, q)
    item = _item(db, qid)
    assert item is not None and item.status == "open"

    reply = mention(by=TEAM, text="Settings > Versions, then restore.", kind="reply",
                    parent_id=q.external_id, thread_id=q.external_id, minutes=42)
    res, _ = _triage(db, reply)
    assert res.auto_handled == 1 and res.team_posts == 1
    item = _item(db, qid)
    assert item is not None
    assert (item.status, item.handled_via, item.first_response_seconds) == ("handled", "team_reply", 42 * 60)
    assert db.scalar(select(TeamAccount.identity_id).where(TeamAccount.id == team.id)) is not None
    # The team's own post is never an inbox item.
    assert db.scalar(select(InboxItem.id).join(Interaction).where(Interaction.identity_id == team.identity_id)) is None


def test_team_reply_answers_only_the_person_it_replies_to(db: Session, team: TeamAccount) -> None:
    root = mention(external_id=unique("root"), text="Sync is broken and awful for everyone, terrible.")
    other = mention(text="Does anyone know a workaround?", kind="comment", parent_id=root.external_id,
                    thread_id=root.external_id, minutes=5)
    _, (root_id, other_id) = _triage(db, root, other)
    reply = mention(by=TEAM, text="We are on it.", kind="reply", parent_id=root.external_id,
                    thread_id=root.external_id, minutes=10)
    _triage(db, reply)
    assert (_item(db, root_id) or InboxItem()).status == "handled"
    assert (_item(db, other_id) or InboxItem()).status == "open"


def test_a_team_reply_to_an_uncollected_parent_handles_the_thread(db: Session, team: TeamAccount) -> None:
    thread = unique("t")
    q = mention(text="how can I pause sync?", kind="comment", thread_id=thread, parent_id=thread)
    _, (qid,) = _triage(db, q)
    _triage(db, mention(by=TEAM, text="Tray icon > Pause.", kind="reply", thread_id=thread,
                        parent_id=unique("unknown"), minutes=3))
    assert (_item(db, qid) or InboxItem()).status == "handled"


def test_a_team_reply_before_the_question_does_not_handle_it(db: Session, team: TeamAccount) -> None:
    thread = unique("t")
    _triage(db, mention(by=TEAM, external_id=thread, text="Release 4.2 is out", minutes=0))
    res, (qid,) = _triage(db, mention(text="Where can I download it?", kind="comment",
                                      thread_id=thread, parent_id=thread, minutes=5))
    item = _item(db, qid)
    assert item is not None and item.status == "open"
    assert item.reasons == "question,team_thread"
    assert res.auto_handled == 0


def test_replies_in_team_threads_enter_the_inbox(db: Session, team: TeamAccount) -> None:
    thread = unique("t")
    _triage(db, mention(by=TEAM, external_id=thread, text="Release 4.2 is out"))
    _, (cid,) = _triage(db, mention(text="Nice, the icons look fresh", kind="comment",
                                    thread_id=thread, parent_id=thread, minutes=5))
    assert (_item(db, cid) or InboxItem()).reasons == "team_thread"


def test_not_team_excludes_team_posts(db: Session, team: TeamAccount) -> None:
    _triage(db, mention(by=TEAM, text="Hello from the team"), mention(text="Hello from a member"))
    texts = set(db.scalars(select(Interaction.text).where(not_team(Interaction.identity_id))))
    assert "Hello from a member" in texts and "Hello from the team" not in texts


def test_team_account_validation(db: Session, team: TeamAccount) -> None:
    with pytest.raises(InvalidInput):
        services.add_team_account(db, platform="x", handle="two words")
    from crm.errors import Conflict

    with pytest.raises(Conflict):
        services.add_team_account(db, platform="reddit", handle="u/NIMBUS_TEAM")


# --- listing -----------------------------------------------------------------------------
def test_listing_orders_by_priority_then_waiting_time(db: Session) -> None:
    plat = unique("p")[:20]
    _, ids = _triage(
        db,
        mention(platform=plat, text="how do I export?", minutes=10),
        mention(platform=plat, text="how do I import?", minutes=0),
        mention(platform=plat, text="Awful, broken, terrible. How do I get a refund?", minutes=20),
    )
    page = list_inbox(db, InboxFilter(platform=plat))
    assert [i.interaction_id for i in page.items] == [ids[2], ids[1], ids[0]]
    assert page.items[0].interaction.identity is not None
    assert [i.interaction_id for i in list_inbox(db, InboxFilter(platform=plat, sort="newest")).items] == [
        ids[2], ids[0], ids[1]]
    assert len(list_inbox(db, InboxFilter(platform=plat, sentiment="negative")).items) == 1
    assert len(list_inbox(db, InboxFilter(platform=plat, reason="question")).items) == 3
    assert len(list_inbox(db, InboxFilter(platform=plat, status="handled")).items) == 0
    two = list_inbox(db, InboxFilter(platform=plat), per_page=2)
    assert two.has_next and len(two.items) == 2


def test_listing_rejects_junk_filters(db: Session) -> None:
    with pytest.raises(InvalidInput) as exc:
        list_inbox(db, InboxFilter(status="gone"))
    assert exc.value.field == "status"
    with pytest.raises(InvalidInput):
        list_inbox(db, InboxFilter(level=9))


# --- actions and roles -------------------------------------------------------------------
def _open_item(db: Session) -> InboxItem:
    _, (iid,) = _triage(db, mention(text="how do I reset my password?"))
    item = _item(db, iid)
    assert item is not None
    return item


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("manager", True), ("marketer", False), ("viewer", False)])
def test_handle_and_assign_need_the_role(db: Session, role: str, allowed: bool) -> None:
    item, actor, mate = _open_item(db), _user(db, role), _user(db, "manager")
    if allowed:
        assert actions.assign(db, [item.id], assignee_id=mate.id, actor=actor) == 1
        assert actions.mark_handled(db, [item.id], actor=actor) == 1
        assert item.first_response_seconds is not None and item.handled_by_id == actor.id
    else:
        with pytest.raises(PermissionDenied):
            actions.assign(db, [item.id], assignee_id=mate.id, actor=actor)
        with pytest.raises(PermissionDenied):
            actions.mark_handled(db, [item.id], actor=actor)


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("manager", True), ("marketer", True), ("viewer", False)])
def test_escalation_needs_the_role(db: Session, role: str, allowed: bool) -> None:
    item, actor = _open_item(db), _user(db, role)
    before = item.priority
    if allowed:
        assert actions.escalate(db, [item.id], level=2, reason="Customer threatens to cancel", actor=actor) == 1
        assert (item.escalation_level, item.priority) == (2, before + 60)
    else:
        with pytest.raises(PermissionDenied):
            actions.escalate(db, [item.id], level=2, reason="x", actor=actor)


def test_lowering_an_escalation_needs_handle(db: Session) -> None:
    item, marketer, manager = _open_item(db), _user(db, "marketer"), _user(db, "manager")
    actions.escalate(db, [item.id], level=2, reason="Press is asking", actor=marketer)
    with pytest.raises(PermissionDenied):
        actions.escalate(db, [item.id], level=1, reason="calmer now", actor=marketer)
    with pytest.raises(InvalidInput):
        actions.escalate(db, [item.id], level=1, reason="  ", actor=manager)
    assert actions.escalate(db, [item.id], level=0, reason="resolved by phone", actor=manager) == 1
    kinds = db.scalars(select(InboxEvent.kind).where(InboxEvent.item_id == item.id)).all()
    assert kinds.count("escalated") == 2


def test_taking_someone_elses_item_needs_an_admin(db: Session) -> None:
    item = _open_item(db)
    alice, bob, admin = _user(db, "manager"), _user(db, "manager"), _user(db, "admin")
    actions.assign(db, [item.id], assignee_id=alice.id, actor=alice)
    with pytest.raises(PermissionDenied):
        actions.assign(db, [item.id], assignee_id=bob.id, actor=bob)
    # Alice hands it over; an admin may move it anywhere.
    assert actions.assign(db, [item.id], assignee_id=bob.id, actor=alice) == 1
    assert actions.assign(db, [item.id], assignee_id=alice.id, actor=admin) == 1
    with pytest.raises(InvalidInput):
        actions.assign(db, [item.id], assignee_id=_user(db, "viewer").id, actor=admin)


def test_snooze_wakes_up_and_bulk_actions(db: Session) -> None:
    a, b = _open_item(db), _open_item(db)
    manager = _user(db, "manager")
    now = BASE_TIME + timedelta(days=400)
    with pytest.raises(InvalidInput):
        actions.snooze(db, [a.id], until=now - timedelta(hours=1), actor=manager, now=now)
    assert actions.snooze(db, [a.id, b.id], until=now + timedelta(hours=2), actor=manager, now=now) == 2
    assert services.wake_snoozed(db, now + timedelta(hours=1)) == 0
    assert services.wake_snoozed(db, now + timedelta(hours=3)) >= 2
    assert (a.status, b.status) == ("open", "open")
    assert actions.mark_handled(db, [a.id, b.id], actor=manager) == 2
    assert actions.reopen(db, [a.id], actor=manager) == 1
    with pytest.raises(InvalidInput):
        actions.mark_handled(db, [], actor=manager)


def test_a_team_reply_corrects_a_later_manual_first_response(db: Session, team: TeamAccount) -> None:
    q = mention(external_id=unique("q"), text="How do I undo a delete?")
    _, (qid,) = _triage(db, q)
    item = _item(db, qid)
    assert item is not None
    actions.mark_handled(db, [item.id], actor=_user(db, "manager"), now=BASE_TIME + timedelta(hours=5))
    assert item.first_response_seconds == 5 * 3600
    _triage(db, mention(by=TEAM, text="Trash > Restore", kind="reply", parent_id=q.external_id,
                        thread_id=q.external_id, minutes=30))
    assert (_item(db, qid) or InboxItem()).first_response_seconds == 30 * 60


# --- reminders ---------------------------------------------------------------------------
def test_reminders_are_listed_and_delivered_once(db: Session) -> None:
    _, (iid,) = _triage(db, mention(text="how do I export?"))
    member_id = db.scalar(select(Interaction.member_id).where(Interaction.id == iid))
    assert member_id is not None
    me, other = _user(db, "manager"), _user(db, "manager")
    now = BASE_TIME
    r = reminders.create_reminder(db, member_id=member_id, user=me, due_at=now + timedelta(days=7),
                                  note="Ask how the migration went", now=now)
    with pytest.raises(InvalidInput):
        reminders.create_reminder(db, member_id=member_id, user=me, due_at=now - timedelta(days=1), now=now)
    assert reminders.tasks_for(db, me, now).upcoming == [r]
    later = now + timedelta(days=8)
    assert reminders.tasks_for(db, me, later).due == [r]
    assert reminders.due_count(db, me.id, later) == 1
    assert r.id in reminders.claim_due_reminders(db, later)
    assert r.id not in reminders.claim_due_reminders(db, later)  # delivered once
    msg = reminders.reminder_message(db, r.id)
    assert msg is not None and "Ask how the migration went" in msg.body
    with pytest.raises(PermissionDenied):
        reminders.complete_reminder(db, r.id, user=other)
    reminders.complete_reminder(db, r.id, user=me, now=later)
    assert reminders.tasks_for(db, me, later).done == [r]
    assert reminders.due_count(db, me.id, later) == 0


def test_a_mastodon_team_account_declared_before_it_posts_is_linked_at_triage(db: Session) -> None:
    """Mastodon identities are stored as '@user@instance'; the team account as 'user@instance'."""
    account = services.add_team_account(db, platform="mastodon", handle="@ourteam@fosstodon.org")
    assert account.identity_id is None  # not seen yet
    asker = author(handle="@someone@chaos.social")
    q = mention(platform="mastodon", by=asker, external_id=unique("q"), text="Wie stelle ich eine Datei wieder her?")
    _triage(db, q)
    ours = author(unique("team"), handle="@OurTeam@fosstodon.org")
    reply = mention(platform="mastodon", by=ours, text="@someone Einstellungen > Versionen.", kind="reply",
                    parent_id=q.external_id, thread_id=q.external_id, minutes=5)
    res, _ = _triage(db, reply)
    assert res.team_posts == 1 and res.auto_handled == 1
    db.refresh(account)
    assert account.identity_id is not None
