"""Identity matching: normalisation, evidence, blocking, incremental updates, automatic rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.errors import Conflict
from crm.identities import matching, services
from crm.identities.models import IdentityMatchKey, MergeAudit, MergeSuggestion
from crm.ingest import ingest_batch
from crm.members.engagement import engagement
from crm.members.models import Identity, Member

T0 = datetime(2025, 5, 1, 9, tzinfo=UTC)


def account(platform: str, ext: str, handle: str, name: str, *, n: int = 3, lang: str = "de",
            hour: int = 9, url: str | None = None) -> list[Mention]:
    author = Author(id=ext, handle=handle, display_name=name,
                    profile_url=url or f"https://{platform}.example/{handle}")
    return [Mention(platform=platform, external_id=f"{ext}-{k}", author=author, language=lang,
                    created_at=T0 + timedelta(days=k, hours=hour - 9), text="Danke, das hilft", kind="comment")
            for k in range(n)]


def ident(db: Session, ext: str) -> Identity:
    found = db.scalar(select(Identity).where(Identity.external_id == ext))
    assert found is not None
    return found


def suggestion_between(db: Session, x: str, y: str) -> MergeSuggestion | None:
    a, b = sorted((ident(db, x).member_id, ident(db, y).member_id))
    return db.scalar(select(MergeSuggestion).where(MergeSuggestion.member_a_id == a, MergeSuggestion.member_b_id == b))


@pytest.mark.parametrize(("left", "right"), [
    ("Jürgen Müller", "Juergen Mueller"), ("Jürgen Müller", "Jurgen Muller"), ("Sören Weiß", "Soeren Weiss"),
    ("Zoë Ørsted", "Zoe Orsted"), ("Liam O'Connor", "Liam OConnor"), ("Ольга Попова", "Olga Popova"),
])
def test_fold_makes_spellings_of_one_name_equal(left: str, right: str) -> None:
    assert matching.fold(left) == matching.fold(right)


def test_fold_handles_non_latin_scripts() -> None:
    assert matching.fold("王伟").split() == ["wang", "wei"]
    assert matching.fold("Дмитрий Иванов") == "dmitriy ivanov"
    assert matching.skeleton("mhmd") == matching.skeleton("mohamed")


def test_normalise_url() -> None:
    assert matching.normalise_url("HTTPS://www.Example.org/Jm/?utm=1") == "example.org/jm"
    assert matching.normalise_url("example.org/jm/") == "example.org/jm"
    assert matching.normalise_url("javascript:alert(1)") is None
    assert matching.normalise_url("") is None


def test_combine_is_a_noisy_or_scaled_by_negative_evidence() -> None:
    items = [{"weight": 0.6}, {"weight": 0.5}]
    assert matching.combine(items) == pytest.approx(0.8)
    assert matching.combine([*items, {"weight": -0.5}]) == pytest.approx(0.4)
    assert matching.combine([]) == 0.0
    # Mutual links alone are not enough (couples and friends link each other): the accounts
    # must also agree on who they are, and nothing may speak against it.
    links = {"code": "mutual_links", "weight": 0.99}
    assert matching.certain_rule([links]) is None
    assert matching.certain_rule([links, {"code": "same_rare_name", "weight": 0.78}]) == "mutual_links"
    assert matching.certain_rule([links, {"code": "same_rare_name", "weight": 0.78},
                                  {"code": "different_hours", "weight": -0.3}]) is None
    assert matching.certain_rule([{"code": "same_email", "weight": 0.85}]) is None


def test_transliterated_names_are_suggested_with_evidence_in_plain_words(db: Session) -> None:
    ingest_batch(db, account("reddit", "r1", "jmueller", "Jürgen Müller")
                 + account("x", "x1", "juergen_mueller", "Juergen Mueller")
                 + account("reddit", "r2", "dimaivanov", "Дмитрий Иванов", lang="ru")
                 + account("mastodon", "m2", "dimaivanov", "Dmitry Ivanov", lang="ru"))
    services.rebuild_suggestions(db)
    s = suggestion_between(db, "r1", "x1")
    assert s is not None and s.score >= matching.DEFAULT_THRESHOLD and s.status == "open"
    codes = {e["code"] for e in s.evidence}
    # The handle only writes the shared name as a handle: counted once, as the name.
    assert "same_rare_name" in codes and "handle_is_name" not in codes
    assert any("Jürgen Müller" in e["text"] for e in s.evidence)
    s2 = suggestion_between(db, "r2", "m2")
    assert s2 is not None and "similar_name" in {e["code"] for e in s2.evidence}
    assert suggestion_between(db, "r1", "m2") is None


def test_look_alikes_are_not_suggested(db: Session) -> None:
    # Same common name, different handles, languages and hours of day: two people.
    ingest_batch(db, account("reddit", "a1", "anna_s", "Anna Schmidt", lang="de", hour=8)
                 + account("x", "a2", "schmidtanna", "Anna Schmidt", lang="en", hour=21)
                 + account("x", "a3", "annas77", "Anna Schmidt", lang="en", hour=3)
                 + account("mastodon", "a4", "a_schmidt", "Anna Schmidt", lang="de", hour=14))
    services.rebuild_suggestions(db)
    assert suggestion_between(db, "a1", "a2") is None


def test_oversized_blocks_are_skipped(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "MAX_BLOCK", 3)
    mentions = []
    for i in range(5):
        mentions += account(("reddit", "x", "mastodon", "bluesky", "rss")[i], f"k{i}", f"kim{i}x", "Kim Park", n=1)
    ingest_batch(db, mentions)
    r = services.rebuild_suggestions(db, threshold=0.0)
    assert r.pairs == 0
    assert db.scalar(select(func.count()).select_from(IdentityMatchKey)) > 0


def test_incremental_update_finds_the_new_identity_s_matches_only(db: Session) -> None:
    ingest_batch(db, account("reddit", "r1", "jmueller", "Jürgen Müller")
                 + account("reddit", "o1", "someone", "Other Person"))
    services.rebuild_suggestions(db)
    assert db.scalar(select(func.count()).select_from(MergeSuggestion)) == 0
    ingest_batch(db, account("x", "x1", "jmueller", "Juergen Mueller"))
    new_id = ident(db, "x1").id
    r = services.update_suggestions(db, [new_id])
    assert r.identities == 1 and r.created == 1 and r.pairs == 1
    assert suggestion_between(db, "r1", "x1") is not None
    # A profile change that removes the evidence removes the suggestion.
    ident(db, "x1").handle, ident(db, "x1").display_name = "coffee", "Coffee Fan"
    r = services.update_suggestions(db, [new_id])
    assert r.removed == 1 and suggestion_between(db, "r1", "x1") is None


def test_mutual_links_merge_automatically_and_can_be_switched_off(db: Session) -> None:
    # Linked profiles must also agree on who they are (here: the name) to merge automatically.
    ingest_batch(db, account("reddit", "r1", "quietstorm", "Quentin Storck")
                 + account("x", "x1", "qstorm_99", "Quentin Storck", url="https://x.example/qstorm_99"))
    services.update_identity_profiles(db, [
        {"platform": "reddit", "external_id": "r1", "links": ["https://x.example/qstorm_99"]},
        {"platform": "x", "external_id": "x1", "bio": "also on https://reddit.example/quietstorm !"},
    ])
    services.set_rule(db, "mutual_links", False, actor_id=None)
    r = services.update_suggestions(db, [ident(db, "r1").id, ident(db, "x1").id])
    assert r.auto_merges == [] and suggestion_between(db, "r1", "x1") is not None
    services.set_rule(db, "mutual_links", True, actor_id=None)
    r = services.update_suggestions(db, [ident(db, "r1").id])
    assert len(r.auto_merges) == 1
    audit = db.get(MergeAudit, r.auto_merges[0])
    assert audit is not None and audit.method == "rule:mutual_links" and audit.actor_id is None
    assert ident(db, "r1").member_id == ident(db, "x1").member_id
    assert db.scalar(select(func.count()).select_from(MergeSuggestion)) == 0


def test_verified_email_never_auto_merges_two_accounts_of_one_platform(db: Session) -> None:
    ingest_batch(db, account("x", "x1", "wiebkehasselkamp", "Wiebke") + account("x", "x2", "beta2", "B")
                 + account("reddit", "r3", "wiebkehasselkamp", ""))
    services.update_identity_profiles(db, [
        {"platform": p, "external_id": e, "email": "Same@Mail.example", "email_verified": True}
        for p, e in (("x", "x1"), ("x", "x2"), ("reddit", "r3"))
    ])
    r = services.rebuild_suggestions(db)
    # Two X accounts share the address: which one is the Reddit account's is a guess (a family
    # address), so nothing is merged automatically; the pairs are suggested with the doubt.
    assert r.auto_merges == []
    assert len({ident(db, e).member_id for e in ("x1", "x2", "r3")}) == 3
    s = suggestion_between(db, "r3", "x1")
    assert s is not None and "rival_account" in {e["code"] for e in s.evidence}
    # With one X account holding it, the verified address and the handle they agree on merge them.
    services.update_identity_profiles(db, [{"platform": "x", "external_id": "x2", "email": None}])
    assert len(services.rebuild_suggestions(db).auto_merges) == 1
    assert ident(db, "r3").member_id == ident(db, "x1").member_id != ident(db, "x2").member_id


def test_not_the_same_person_survives_later_merges(db: Session) -> None:
    ingest_batch(db, account("reddit", "r1", "jmueller", "Jürgen Müller")
                 + account("x", "x1", "jmueller", "Jürgen Müller")
                 + account("mastodon", "m1", "coffee", "Coffee"))
    services.rebuild_suggestions(db)
    s = suggestion_between(db, "r1", "x1")
    assert s is not None
    services.dismiss_suggestion(db, s.id, actor_id=None, reason="two Jürgens")
    services.merge(db, keep_id=ident(db, "m1").member_id, merge_ids=[ident(db, "x1").member_id], actor_id=None)
    services.rebuild_suggestions(db)
    assert suggestion_between(db, "r1", "x1") is None


def test_mapping_file_merges_listed_pairs_and_reports_bad_lines(db: Session) -> None:
    ingest_batch(db, account("reddit", "r1", "one", "One") + account("x", "x1", "uno", "Uno"))
    audits, skipped = services.apply_mapping(db, [
        ["# platform", "external_id", "platform", "external_id"],
        ["reddit", "r1", "x", "x1", "CRM export"],
        ["reddit", "nope", "x", "x1"],
        ["reddit", "r1"],
    ], actor_id=None, filename="map.csv")
    assert len(audits) == 1 and ident(db, "r1").member_id == ident(db, "x1").member_id
    assert [s[:6] for s in skipped] == ["line 3", "line 4"]
    services.set_rule(db, "mapping_file", False, actor_id=None)
    with pytest.raises(Conflict):
        services.apply_mapping(db, [["reddit", "r1", "x", "x1"]], actor_id=None)


def test_engagement_level_explains_itself(db: Session) -> None:
    now = datetime.now(UTC)
    author = Author(id="e1", handle="eng", display_name="Eng")
    ingest_batch(db, [Mention(platform="reddit", external_id=f"e-{k}", author=author, kind=kind,
                              created_at=now - timedelta(days=d), text="thanks")
                      for k, (kind, d) in enumerate([("post", 1), ("post", 2), ("comment", 3), ("comment", 40),
                                                     ("mention", 200)])])
    member = db.get(Member, ident(db, "e1").member_id)
    assert member is not None
    e = engagement(db, member, now=now)
    # By hand: 3 x (0.977 + 0.955) + 2 x (0.933 + 0.397) + 1 x 0.010 = 8.5 points (active >= 4)
    assert e.level == "active" and e.score == pytest.approx(8.5, abs=0.05)
    assert [(k.kind, k.count, k.points_each) for k in e.kinds] == [("post", 2, 3.0), ("comment", 2, 2.0), ("mention", 1, 1.0)]
    assert e.days_since_last == 1
    assert e.next_level == "engaged" and e.points_to_next == pytest.approx(12 - e.score, abs=0.11)
    assert engagement(db, member, now=now + timedelta(days=800)).level == "dormant"


def test_update_after_ingest_keys_only_the_new_identities(db: Session) -> None:
    ingest_batch(db, account("reddit", "r1", "jmueller", "Jürgen Müller"))
    services.rebuild_suggestions(db)
    result = ingest_batch(db, account("x", "x1", "jmueller", "Juergen Mueller")
                          + account("reddit", "r1", "jmueller", "Jürgen Müller", n=4))
    r = services.update_after_ingest(db, result.member_ids)
    assert r.identities == 1 and r.created == 1
    assert suggestion_between(db, "r1", "x1") is not None
    assert services.update_after_ingest(db, result.member_ids).identities == 0


def test_a_merge_moves_the_merged_member_s_suggestions_to_the_kept_one(db: Session) -> None:
    ingest_batch(db, account("reddit", "r1", "jmueller", "Jürgen Müller")
                 + account("x", "x1", "jmueller", "Juergen Mueller")
                 + account("mastodon", "m1", "quiet", "Quiet Person"))
    services.rebuild_suggestions(db)
    s = suggestion_between(db, "r1", "x1")
    assert s is not None
    keep, other = ident(db, "m1").member_id, ident(db, "x1").member_id
    services.merge(db, keep_id=keep, merge_ids=[other], actor_id=None, reason="test")
    ghosts = {other}
    assert not [x for x in db.scalars(select(MergeSuggestion)) if {x.member_a_id, x.member_b_id} & ghosts]
    moved = suggestion_between(db, "r1", "m1")
    assert moved is not None and moved.score >= matching.DEFAULT_THRESHOLD


def test_a_dismissal_holds_through_a_merge_and_its_unmerge(db: Session) -> None:
    ingest_batch(db, account("reddit", "r1", "jmueller", "Jürgen Müller")
                 + account("x", "x1", "jmueller", "Jürgen Müller")
                 + account("mastodon", "m1", "coffee", "Coffee"))
    services.rebuild_suggestions(db)
    s = suggestion_between(db, "r1", "x1")
    assert s is not None
    services.dismiss_suggestion(db, s.id, actor_id=None, reason="two Jürgens")
    audit = services.merge(db, keep_id=ident(db, "x1").member_id, merge_ids=[ident(db, "m1").member_id], actor_id=None)
    services.unmerge(db, audit.id, actor_id=None)
    services.rebuild_suggestions(db)
    assert suggestion_between(db, "r1", "x1") is None
    assert ident(db, "m1").member_id != ident(db, "x1").member_id
