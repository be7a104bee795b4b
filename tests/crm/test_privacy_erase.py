"""Erasing a member (GDPR Art. 17): a property test over generated datasets, and the details."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.identities import services as identities
from crm.inbox.triage import triage
from crm.ingest import ingest_batch
from crm.members import services as members
from crm.members.models import Identity, Member
from crm.models import Base
from crm.privacy.erase import erase_member, plan_erasure
from crm.segments.models import ExportRun
from crm.webhooks import services as hooks
from tests.factories import BASE_TIME

PLATFORMS = ("reddit", "x", "mastodon")
free_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@st.composite
def datasets(draw: Any) -> dict[str, Any]:
    """Members with 1-2 accounts, 1-4 items each (some questions), an optional merge, a victim."""
    salt = draw(st.text("abcdefghjk", min_size=5, max_size=5))
    n = draw(st.integers(2, 5))
    people = []
    for i in range(n):
        marker = f"zz{i}{salt}"
        accounts = draw(st.lists(st.sampled_from(PLATFORMS), min_size=1, max_size=2, unique=True))
        items = []
        for k, platform in enumerate(accounts):
            for j in range(draw(st.integers(1, 4))):
                question = draw(st.booleans())
                body = f"{draw(free_text)} {marker}w{k}{j} " + ("how do I sync this?" if question else "fine")
                items.append((platform, k, j, body))
        people.append({"marker": marker, "accounts": accounts, "items": items})
    merge = n >= 3 and draw(st.booleans())
    victim = draw(st.integers(0, n - 1))
    if merge and victim == 1:
        victim = 0  # member 1 lives in member 0 after the merge: erase the person
    return {"people": people, "merge": merge, "victim": victim}


def _mentions(person: dict[str, Any]) -> list[Mention]:
    m = person["marker"]
    out = []
    for platform, k, j, body in person["items"]:
        who = Author(id=f"{m}id{k}", handle=f"{m}h{k}", display_name=f"Name {m}", followers=10)
        out.append(Mention(platform=platform, external_id=f"{m}p{k}{j}", author=who, text=body,
                           created_at=BASE_TIME + timedelta(minutes=j), kind="comment", raw={"by": who.id}))
    # An item that fails validation: it lands in the quarantine with its raw payload.
    platform = person["accounts"][0]
    who = Author(id=f"{m}id0", handle=f"{m}h0", display_name=f"Name {m}")
    out.append(Mention(platform=platform, external_id=f"{m}bad", author=who, text="x", kind="bogus",
                       created_at=BASE_TIME, raw={"author": {"id": who.id, "handle": who.handle}}))
    return out


def _dump(db: Session) -> dict[str, list[str]]:
    """Every row of every table (and the FTS index's vocabulary on SQLite) as text."""
    out: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        rows = db.execute(text(f'SELECT * FROM "{table.name}"')).all()  # noqa: S608 - our own table names
        out[table.name] = [json.dumps([v if isinstance(v, (dict, list)) else str(v) for v in r], ensure_ascii=False)
                           for r in rows]
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, 'interactions_fts', 'row')"))
        out["interactions_fts(vocab)"] = [r[0] for r in db.execute(text("SELECT term FROM temp.fts_vocab"))]
    return out


def _others(db: Session, member_ids: list[int]) -> dict[str, Any]:
    """Other members' rows, identities and interactions, as plain values."""
    def plain(obj: Any) -> dict[str, Any]:
        return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}
    from crm.interactions.models import Interaction

    db.expire_all()
    return {
        "members": [plain(m) for m in db.scalars(select(Member).where(Member.id.in_(member_ids)).order_by(Member.id))],
        "identities": [plain(i) for i in db.scalars(select(Identity).where(Identity.member_id.in_(member_ids)).order_by(Identity.id))],
        "interactions": [plain(i) for i in db.scalars(select(Interaction).where(Interaction.member_id.in_(member_ids)).order_by(Interaction.id))],
        "tags": sorted((t.member_id, t.tag) for m in db.scalars(select(Member).where(Member.id.in_(member_ids))) for t in m.tags),
        "notes": sorted((n.member_id, n.body) for m in db.scalars(select(Member).where(Member.id.in_(member_ids))) for n in m.notes),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=datasets())
def test_erasing_leaves_nothing_of_them_and_changes_no_one_else(db: Session, tmp_path: Path, data: dict[str, Any]) -> None:
    nested = db.begin_nested()
    try:
        _check_erasure(db, tmp_path, data)
    finally:
        nested.rollback()
        db.expire_all()


def _check_erasure(db: Session, tmp_path: Path, data: dict[str, Any]) -> None:
    people = data["people"]
    sub = hooks.create_subscription(db, url="http://127.0.0.1:9/hook", events=["mention.created"], allow=("127.0.0.1",))
    everything = [m for p in people for m in _mentions(p)]
    result = ingest_batch(db, everything, origin="test")
    db.flush()
    assert result.quarantined == len(people)
    triage(db, result.new_ids)
    hooks.emit(db, "mention.created", {"mentions": result.new_ids}, interaction_ids=result.new_ids)
    member_of = {}
    for i, p in enumerate(people):
        accounts = db.scalars(select(Identity).where(Identity.external_id.like(f"{p['marker']}id%")).order_by(Identity.external_id)).all()
        ident = accounts[0]
        member_of[i] = ident.member_id
        if len({a.member_id for a in accounts}) > 1:  # one person on two platforms: merged
            identities.merge(db, keep_id=ident.member_id, merge_ids=[a.member_id for a in accounts[1:]], actor_id=None)
        members.add_tag(db, ident.member_id, f"tag{p['marker']}")
        members.add_note(db, ident.member_id, body=f"Met {p['marker']} at the meetup", author_id=None)
        hooks.emit(db, "member.merged", {"member": p["marker"]}, member_id=ident.member_id)
    if data["merge"]:
        identities.merge(db, keep_id=member_of[0], merge_ids=[member_of[1]], actor_id=None,
                         reason=f"same person as {people[1]['marker']}")
        audit = identities.merge(db, keep_id=member_of[2], merge_ids=[member_of[0]], actor_id=None, reason="test")
        identities.unmerge(db, audit.id, actor_id=None, reason="not the same")
    # Two export files: one lists everyone, one only people other than the victim.
    victim_idx = data["victim"]
    victim_id = member_of[victim_idx]
    exports = {}
    for name, who in (("all", list(range(len(people)))), ("others", [i for i in range(len(people)) if i != victim_idx and not (data["merge"] and {i, victim_idx} <= {0, 1})])):
        path = tmp_path / f"export-{name}.csv"
        path.write_text("Member id,Accounts\n" + "".join(f"{member_of[i]},{people[i]['accounts'][0]}:@{people[i]['marker']}h0\n" for i in who), encoding="utf-8")
        run = ExportRun(segment_name="All", rule={}, actor="t", format="csv", columns=["id", "handles"], status="done",
                        file_path=str(path))
        db.add(run)
        exports[name] = (run, path)
    db.flush()

    gone = {victim_idx} | ({1} if data["merge"] and victim_idx == 0 else set())
    victims = [people[i]["marker"] for i in gone]
    others = sorted({member_of[i] for i in range(len(people)) if i not in gone})
    before = _others(db, others)

    plan = plan_erasure(db, victim_id)
    assert victim_id in plan.member_ids and not set(plan.member_ids) & set(others)
    report = erase_member(db, victim_id, actor="test")
    db.flush()

    dump = _dump(db)
    for marker in victims:
        leaks = {table: [r for r in rows if marker in r] for table, rows in dump.items()}
        assert {t: r for t, r in leaks.items() if r} == {}, f"{marker} is still in the database"
        if db.get_bind().dialect.name == "sqlite":
            found = db.execute(text("SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH :q"),
                               {"q": f'"{marker}"*'}).scalar_one()
            assert found == 0
    assert _others(db, others) == before
    assert str(exports["all"][1]) in report.files
    assert str(exports["others"][1]) not in report.files
    assert sub.id  # the subscription stays; only deliveries about them went

    # The same content again: nothing comes back for them, the others are duplicates.
    again = ingest_batch(db, everything, origin="test")
    victim_items = sum(len(_mentions(people[i])) for i in range(len(people)) if people[i]["marker"] in victims)
    assert again.suppressed == victim_items
    assert again.new == 0 and again.new_members == 0
    for marker in victims:
        assert db.scalar(select(Identity.id).where(Identity.external_id.like(f"{marker}%"))) is None
