"""Each kind of identity evidence on its own, the automatic-merge guard, and exact unmerge of
suggestions (snoozes come back snoozed, with their ids)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Author, Mention
from crm.errors import InvalidInput
from crm.identities import matching, normalise, services
from crm.identities.models import MergeSuggestion
from crm.identities.name_evidence import MAX_OWN_ACCOUNTS
from crm.inbox.services import add_team_account
from crm.ingest import ingest_batch
from crm.members.models import Identity, Member

T0 = datetime(2025, 5, 1, 9, tzinfo=UTC)


def feat(i: int, platform: str, handle: str, name: str = "", **kw: Any) -> matching.Features:
    row = SimpleNamespace(
        id=i, member_id=i, platform=platform, handle=handle, display_name=name,
        profile_url=kw.get("profile_url"), avatar_url=None, bio=kw.get("bio"), website=kw.get("website"),
        links=kw.get("links"), email=None, email_verified=False,
    )
    return matching.features(row)


def codes(items: list[dict[str, Any]]) -> dict[str, float]:
    return {it["code"]: it["weight"] for it in items}


def stats(**counts: int) -> matching.Stats:
    return matching.Stats({k.replace("__", ":"): v for k, v in counts.items()}, total=5000)


# --- normalisation --------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "clean"), [
    ("Anna Schmidt 💻", "Anna Schmidt"), ("Felix M (he/him)", "Felix M"), (":mastodon: Jo Berg :verified:", "Jo Berg"),
    ("Lena Koch | Dev at Tern", "Lena Koch"), ("Mia Wolf she/her", "Mia Wolf"),
])
def test_decorations_are_not_name_words(raw: str, clean: str) -> None:
    assert normalise.clean_name(raw) == clean


@pytest.mark.parametrize(("left", "right"), [
    ("Παπαδόπουλος", "papadopoulos"), ("Ευάγγελος", "evangelos"), ("Μπακογιάννης", "bakogiannis"), ("Müller", "muller"),
])
def test_transliteration_matches_the_latin_spellings_people_use(left: str, right: str) -> None:
    assert normalise.fold(left) == right


@pytest.mark.parametrize(("left", "right"), [
    ("dmitriy", "dmitry"), ("yulia", "julia"), ("natalya", "natalia"), ("evgeniy", "yevgeny"), ("wladimir", "vladimir"),
])
def test_phonetic_key_joins_transliteration_variants(left: str, right: str) -> None:
    assert normalise.phonetic(left) == normalise.phonetic(right)
    assert normalise.phonetic("anna") != normalise.phonetic("hanna")


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://twitter.com/Felix_M?lang=de", "x.com/felix_m"), ("x.com/felix_m/", "x.com/felix_m"),
    ("https://www.reddit.com/u/Felix", "reddit.com/user/felix"), ("https://old.reddit.com/user/felix/", "reddit.com/user/felix"),
    ("https://fosstodon.org/@Felix_M", "fosstodon.org/@felix_m"), ("https://fosstodon.org/users/felix_m", "fosstodon.org/@felix_m"),
    ("https://mastodon.social/@felix_m@fosstodon.org", "fosstodon.org/@felix_m"),
])
def test_links_are_canonical(url: str, canonical: str) -> None:
    assert normalise.canonical_url(url) == canonical


def test_fediverse_addresses_in_a_bio_are_links() -> None:
    assert normalise.links_in_text("me: @felix_m@fosstodon.org and https://x.com/felix.") == {
        "fosstodon.org/@felix_m", "x.com/felix"}


# --- handles ----------------------------------------------------------------------------
def test_a_long_unique_handle_alone_passes_the_threshold() -> None:
    a, b = feat(1, "x", "ahasselkamp2001", "Andreas Hasselkamp"), feat(2, "reddit", "ahasselkamp2001")
    items = matching.evidence(a, b, stats())
    assert "same_handle_long" in codes(items)
    assert matching.combine(items) >= matching.DEFAULT_THRESHOLD


def test_mastodon_user_at_instance_matches_the_bare_handle() -> None:
    a, b = feat(1, "mastodon", "@felix_mk@fosstodon.org"), feat(2, "x", "felix_mk")
    assert "same_handle_long" in codes(matching.evidence(a, b, stats()))


def test_common_and_generic_handles_are_weak() -> None:
    common = matching.evidence(feat(1, "x", "anna"), feat(2, "reddit", "anna"), stats(t__anna=40))
    assert matching.combine(common) < 0.3
    assert "same_handle" not in codes(matching.evidence(feat(1, "x", "admin"), feat(2, "reddit", "admin"), stats()))
    many = matching.evidence(feat(1, "x", "pixelfan77"), feat(2, "reddit", "pixelfan77"), stats(u__pixelfan77=9))
    assert codes(many)["same_handle_long"] < matching.WEIGHTS["same_handle_long"] / 2


def test_separator_variants_are_weaker_than_the_same_handle() -> None:
    same = codes(matching.evidence(feat(1, "x", "lena_koch77"), feat(2, "reddit", "lena_koch77"), stats()))
    variant = codes(matching.evidence(feat(1, "x", "lena.koch77"), feat(2, "reddit", "lena_koch77"), stats()))
    assert variant["handle_variant"] < same["same_handle_long"]
    # Written differently, the letters count when they spell a name one of them shows...
    named = matching.evidence(feat(1, "x", "lena.koch77", "Lena Koch"), feat(2, "reddit", "Lena_Koch"), stats())
    assert matching.combine(named) >= matching.DEFAULT_THRESHOLD
    # ... not when they are words many people pick.
    words = matching.evidence(feat(1, "x", "happy_ninja_4877"), feat(2, "reddit", "Happy_Ninja_425"), stats(h__happyninja=9))
    assert matching.combine(words) < 0.2


# --- names --------------------------------------------------------------------------------
def test_a_rare_full_name_counts_more_than_a_common_one() -> None:
    rare = matching.evidence(feat(1, "x", "q1", "Wiebke Hasselkamp"), feat(2, "mastodon", "q2", "Wiebke Hasselkamp"), stats())
    common = matching.evidence(feat(1, "x", "q1", "John Davis"), feat(2, "mastodon", "q2", "John Davis"),
                               stats(t__john=120, t__davis=60))
    assert matching.combine(rare) >= matching.DEFAULT_THRESHOLD > matching.combine(common)
    seen_twice = matching.evidence(feat(1, "x", "q1", "Wiebke Hasselkamp"), feat(2, "mastodon", "q2", "Wiebke Hasselkamp"),
                                   stats(**{"N__hasselkamp wiebke": 2}))
    assert "same_common_name" in codes(seen_twice)


def test_transliterated_spellings_are_one_name() -> None:
    items = matching.evidence(feat(1, "x", "q1", "Dmitriy Titov"), feat(2, "mastodon", "q2", "Dmitry Titov"), stats())
    assert "similar_name" in codes(items) and matching.combine(items) >= matching.DEFAULT_THRESHOLD
    greek = matching.evidence(feat(1, "x", "q1", "Γιώργος Παπαδόπουλος"), feat(2, "reddit", "q2", "Giorgos Papadopoulos"), stats())
    assert "same_rare_name" in codes(greek)


def test_emoji_and_pronouns_do_not_make_names_differ() -> None:
    items = matching.evidence(feat(1, "x", "q1", "Lena Koch 💻 (she/her)"), feat(2, "mastodon", "q2", ":rss: Lena Koch"), stats())
    assert "same_rare_name" in codes(items) and "different_names" not in codes(items)


def test_a_reddit_handle_is_not_counted_again_as_a_name() -> None:
    a, b = feat(1, "reddit", "taylorrichard", "taylorrichard"), feat(2, "x", "rtaylor", "Richard Taylor")
    assert a.tokens == ()
    items = matching.evidence(a, b, stats(t__richard=80, t__taylor=70))
    assert list(codes(items)) == ["handle_is_name"] and matching.combine(items) < matching.DEFAULT_THRESHOLD


def test_a_handle_that_spells_the_shared_name_is_counted_once() -> None:
    items = codes(matching.evidence(feat(1, "x", "jmueller", "Jürgen Müller"), feat(2, "reddit", "jmueller", "Jürgen Müller"), stats()))
    assert items["same_handle_long"] <= 0.3 and "same_rare_name" in items


def test_clearly_different_names_speak_against() -> None:
    items = matching.evidence(feat(1, "x", "anna841", "Anna Berg"), feat(2, "mastodon", "tmueller", "Thomas Müller"), stats())
    assert "different_names" in codes(items)
    one_word = matching.evidence(feat(1, "x", "tern", "Tern"), feat(2, "mastodon", "wwagner", "Wiebke Wagner"), stats())
    assert "different_names" not in codes(one_word)


# --- links --------------------------------------------------------------------------------
def test_links_in_any_form_reach_the_profile() -> None:
    x = feat(1, "x", "felix_mk", "Felix", profile_url="https://x.com/felix_mk")
    m = feat(2, "mastodon", "@felix_mk@fosstodon.org", "Felix", website="https://twitter.com/Felix_MK")
    assert "one_way_link" in codes(matching.evidence(x, m, stats()))
    r = feat(3, "reddit", "fmk", "", bio="also @felix_mk@fosstodon.org")
    assert "one_way_link" in codes(matching.evidence(r, m, stats()))


def test_a_link_to_a_much_linked_profile_is_no_evidence() -> None:
    brand = feat(1, "x", "tern", "Tern", profile_url="https://x.com/tern")
    fan = feat(2, "mastodon", "wiebke", "Wiebke Wagner", links=["https://twitter.com/tern"])
    assert "one_way_link" in codes(matching.evidence(fan, brand, stats()))
    assert "one_way_link" not in codes(matching.evidence(fan, brand, stats(**{"l__x.com/tern": 30})))


def test_a_website_many_accounts_give_is_weak() -> None:
    a = feat(1, "x", "q1", "", website="https://groupblog.example")
    b = feat(2, "mastodon", "q2", "", website="groupblog.example/")
    assert "same_website" in codes(matching.evidence(a, b, stats()))
    shared = codes(matching.evidence(a, b, stats(**{"l__groupblog.example": 8})))
    assert "same_website" not in shared and shared["shared_website"] < 0.2


# --- automatic merges ---------------------------------------------------------------------
def test_automatic_merge_needs_agreement_and_no_negative_evidence() -> None:
    links = {"code": "mutual_links", "weight": 0.99}
    name = {"code": "same_rare_name", "weight": 0.78}
    assert matching.certain_rule([links]) is None  # a couple linking each other
    assert matching.certain_rule([links, name]) == "mutual_links"
    for negative in ("different_names", "different_hours", "different_language"):
        assert matching.certain_rule([links, name, {"code": negative, "weight": -0.3}]) is None
    email = {"code": "verified_email", "weight": 0.99}
    assert matching.certain_rule([email, {"code": "different_hours", "weight": -0.3}]) is None
    # A family address is shared by a couple: the accounts must also agree on a name or handle.
    assert matching.certain_rule([email]) is None
    assert matching.certain_rule([email, name]) == "verified_email"


def posts(platform: str, ext: str, handle: str, name: str, *, hour: int = 9, lang: str = "de", url: str | None = None) -> list[Mention]:
    author = Author(id=ext, handle=handle, display_name=name, profile_url=url)
    return [Mention(platform=platform, external_id=f"{ext}-{k}", author=author, language=lang, text="Danke!",
                    created_at=T0 + timedelta(days=k, hours=hour - 9), kind="comment") for k in range(4)]


def member_of(db: Session, ext: str) -> int:
    return db.scalar(select(Identity.member_id).where(Identity.external_id == ext))  # type: ignore[return-value]


def test_a_couple_linking_each_other_is_not_merged(db: Session) -> None:
    ingest_batch(db, posts("x", "x1", "anna841", "Anna Berg", hour=7, url="https://x.com/anna841")
                 + posts("mastodon", "m1", "@tmueller@social.example", "Thomas Müller", hour=22))
    services.update_identity_profiles(db, [
        {"platform": "x", "external_id": "x1", "bio": "with @tmueller@social.example"},
        {"platform": "mastodon", "external_id": "m1", "links": ["https://twitter.com/anna841"]},
    ])
    r = services.rebuild_suggestions(db)
    assert r.auto_merges == [] and member_of(db, "x1") != member_of(db, "m1")


def test_team_accounts_are_never_suggested_or_merged(db: Session) -> None:
    ingest_batch(db, posts("x", "x1", "tern_team", "Tern Team", url="https://x.com/tern_team")
                 + posts("mastodon", "m1", "@tern_team@social.example", "Tern Team"))
    add_team_account(db, platform="x", handle="tern_team")
    services.update_identity_profiles(db, [
        {"platform": "x", "external_id": "x1", "links": ["https://social.example/@tern_team"]},
        {"platform": "mastodon", "external_id": "m1", "links": ["https://x.com/tern_team"]},
    ])
    r = services.rebuild_suggestions(db)
    assert r.auto_merges == [] and db.scalar(select(MergeSuggestion.id)) is None


def test_unmerge_restores_snoozed_suggestions_with_their_ids(db: Session) -> None:
    ingest_batch(db, posts("reddit", "r1", "wiebkehasselkamp", "Wiebke Hasselkamp")
                 + posts("x", "x1", "wiebkehasselkamp", "Wiebke Hasselkamp")
                 + posts("mastodon", "m1", "quiet", "Quiet Person"))
    services.rebuild_suggestions(db)
    s = db.scalar(select(MergeSuggestion))
    assert s is not None
    services.snooze_suggestion(db, s.id, days=10)
    sid, until, pair = s.id, s.snoozed_until, (s.member_a_id, s.member_b_id)
    # The merged-away member (x1's) had the snoozed suggestion.
    audit = services.merge(db, keep_id=member_of(db, "m1"), merge_ids=[member_of(db, "x1")], actor_id=None)
    assert db.scalar(select(MergeSuggestion).where(
        MergeSuggestion.member_a_id == pair[0], MergeSuggestion.member_b_id == pair[1])) is None
    services.unmerge(db, audit.id, actor_id=None)
    back = db.scalar(select(MergeSuggestion).where(MergeSuggestion.id == sid))
    assert back is not None and back.status == "snoozed" and back.snoozed_until == until
    assert db.scalar(select(MergeSuggestion.id).where(MergeSuggestion.id != sid)) is None
    assert db.get(Member, member_of(db, "x1")) is not None


def test_a_merge_chooses_whose_name_and_picture_lead_and_unmerge_restores_them(db: Session) -> None:
    ingest_batch(db, posts("reddit", "r1", "wiebke77", "wiebke77") + posts("mastodon", "m1", "wh", "W H")
                 + [Mention(platform="x", external_id="x1-0", created_at=T0, text="Hallo", kind="post",
                            author=Author(id="x1", handle="wiebke_h", display_name="Wiebke Hasselkamp 🌻",
                                          avatar_url="https://pbs.example/w.jpg"))])
    keep, other = member_of(db, "r1"), member_of(db, "x1")
    audit = services.merge(db, keep_id=keep, merge_ids=[other], actor_id=None)
    kept = db.get(Member, keep)
    assert kept is not None and kept.display_name == "Wiebke Hasselkamp 🌻" and kept.avatar_url == "https://pbs.example/w.jpg"
    services.unmerge(db, audit.id, actor_id=None)
    db.expire_all()
    assert db.get(Member, keep).display_name == "wiebke77"  # type: ignore[union-attr]
    r1 = db.scalar(select(Identity.id).where(Identity.external_id == "r1"))
    services.merge(db, keep_id=other, merge_ids=[keep], actor_id=None, lead_identity_id=r1)
    assert db.get(Member, other).display_name == "wiebke77"  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):
        services.merge(db, keep_id=other, merge_ids=[member_of(db, "m1")], actor_id=None, lead_identity_id=-1)


def test_ingest_stores_the_connectors_profile_facts(db: Session) -> None:
    author = Author(id="x9", handle="felix_mk", display_name="Felix", bio="also @felix_mk@fosstodon.org",
                    website="felix.example.org", links=("https://fosstodon.org/@felix_mk", "javascript:alert(1)"))
    ingest_batch(db, [Mention(platform="x", external_id="x9-1", author=author, created_at=T0, text="hi")])
    ident = db.scalar(select(Identity).where(Identity.external_id == "x9"))
    assert ident is not None and ident.bio == "also @felix_mk@fosstodon.org"
    assert ident.website == "https://felix.example.org" and ident.links == ["https://fosstodon.org/@felix_mk"]
    changed = Author(id="x9", handle="felix_mk", display_name="Felix", bio="new bio")
    ingest_batch(db, [Mention(platform="x", external_id="x9-2", author=changed, created_at=T0 + timedelta(days=1), text="hi")])
    db.expire_all()
    again = db.scalar(select(Identity).where(Identity.external_id == "x9"))
    assert again is not None and again.bio == "new bio" and again.website == "https://felix.example.org"


# --- what the bio says, first names, hours ---------------------------------------------------
@pytest.mark.parametrize("bio", [
    "husband: https://twitter.com/tomek_b", "Partnerin: x.com/tomek_b", "❤️ https://x.com/tomek_b",
    "Podcast with @tomek_b on Twitter", "verheiratet mit https://x.com/tomek_b",
])
def test_an_account_the_bio_names_as_someone_else_s_speaks_against(bio: str) -> None:
    m = feat(1, "mastodon", "@anna_b@social.example", "Anna B", bio=bio)
    x = feat(2, "x", "tomek_b", "Anna B", profile_url="https://x.com/tomek_b")
    items = codes(matching.evidence(m, x, stats()))
    assert "named_as_other" in items and "one_way_link" not in items


@pytest.mark.parametrize("bio", ["X: @tomek_b", "(formerly @tomek_b on Twitter)", "also x.com/tomek_b", "🐘 here, x.com/tomek_b there"])
def test_an_own_account_written_in_a_bio_in_any_form_is_a_link(bio: str) -> None:
    m = feat(1, "mastodon", "@tb@social.example", "", bio=bio)
    x = feat(2, "x", "tomek_b", "", profile_url="https://x.com/tomek_b")
    assert "one_way_link" in codes(matching.evidence(m, x, stats()))
    reddit = feat(3, "reddit", "tomek-b", "")
    assert "one_way_link" in codes(matching.evidence(feat(1, "x", "t", "", bio="u/tomek-b on reddit"), reddit, stats()))


def test_different_first_names_speak_against_even_with_one_word() -> None:
    items = codes(matching.evidence(feat(1, "x", "q1", "Anna"), feat(2, "mastodon", "q2", "Thomas Müller"), stats()))
    assert items == {"different_first_name": matching.WEIGHTS["different_first_name"]}
    same = codes(matching.evidence(feat(1, "x", "q1", "Alex"), feat(2, "mastodon", "q2", "Alexander Berg"), stats()))
    assert "different_first_name" not in same
    family = codes(matching.evidence(feat(1, "x", "q1", "Anna Müller"), feat(2, "mastodon", "q2", "Thomas Müller"), stats()))
    assert "different_names" in family
    # A display name with digits or underscores is a handle, not a name: nothing to compare.
    assert matching.evidence(feat(1, "x", "q1", "oli16"), feat(2, "mastodon", "q2", "Michelle"), stats()) == []


def test_hours_of_day_speak_for_or_against_only_when_clear() -> None:
    def at(i: int, **hours: int) -> matching.Features:
        f = feat(i, ("x", "mastodon")[i % 2], f"q{i}")
        for h, n in hours.items():
            f.hours[int(h[1:])] = n
        return f

    assert "same_hours" in codes(matching.evidence(at(1, h8=3), at(2, h9=3), stats()))
    assert "different_hours" in codes(matching.evidence(at(1, h8=3), at(2, h20=3), stats()))
    spread = matching.evidence(at(1, h8=2, h20=2), at(2, h20=3), stats())  # spread over the day: says nothing
    assert not {"same_hours", "different_hours"} & set(codes(spread))


def test_a_brand_profile_many_link_to_is_never_merged_automatically(db: Session) -> None:
    ingest_batch(db, posts("x", "x1", "ternbikes", "Tern Bikes", url="https://x.com/ternbikes")
                 + posts("mastodon", "m1", "@ternbikes@social.example", "Tern Bikes")
                 + [m for i in range(4) for m in posts("reddit", f"fan{i}", f"fan{i}x", "", hour=9 + i)])
    services.update_identity_profiles(db, [
        {"platform": "x", "external_id": "x1", "links": ["https://social.example/@ternbikes"]},
        {"platform": "mastodon", "external_id": "m1", "links": ["https://x.com/ternbikes"]},
        *({"platform": "reddit", "external_id": f"fan{i}", "links": ["https://twitter.com/ternbikes"]} for i in range(4)),
    ])
    r = services.rebuild_suggestions(db)
    assert r.auto_merges == [] and member_of(db, "x1") != member_of(db, "m1")
    fans = {member_of(db, f"fan{i}") for i in range(4)}
    assert not [s for s in db.scalars(select(MergeSuggestion)) if {s.member_a_id, s.member_b_id} & fans]


def test_a_handle_that_is_the_shown_first_name_and_a_family_name_counts_as_the_name() -> None:
    items = matching.evidence(feat(1, "x", "laura_krause", "Laura"), feat(2, "mastodon", "@laurakrause@m.example"), stats())
    assert "handle_variant" in codes(items) and matching.combine(items) >= matching.DEFAULT_THRESHOLD
    other = matching.evidence(feat(1, "x", "laura_krause", "Mia"), feat(2, "mastodon", "@laurakrause@m.example"), stats())
    assert matching.combine(other) < matching.DEFAULT_THRESHOLD


def test_a_website_pointing_at_a_blog_authors_site_is_a_link_to_them() -> None:
    blog = feat(1, "rss", "henning", "Henning Mayer", profile_url="https://henning.example.me/author/henning/")
    m = feat(2, "mastodon", "@nerdy_igel@toot.example", "Henning", website="https://henning.example.me")
    assert "one_way_link" in codes(matching.evidence(m, blog, stats()))


# --- namesakes and people who keep one account per platform -------------------------------
def test_namesakes_are_seen_across_spellings_of_the_name() -> None:
    # "Julia Popova" once, but "Yulia"/"Юлия" Popova on one platform twice: someone else has it.
    a, b = feat(1, "x", "q1", "Julia Popova"), feat(2, "mastodon", "q2", "Julia Popova")
    alone = matching.evidence(a, b, stats())
    assert "same_rare_name" in codes(alone)
    spelt = matching.evidence(a, b, stats(**{f"P__{a.phon_key}": 2}))
    assert "same_common_name" in codes(spelt) and matching.combine(spelt) < matching.DEFAULT_THRESHOLD
    # Held by more accounts than one person keeps, on any platforms.
    many = matching.evidence(a, b, stats(**{f"p__{a.phon_key}": MAX_OWN_ACCOUNTS + 1}))
    assert matching.combine(many) < matching.DEFAULT_THRESHOLD


def test_a_link_to_another_account_on_the_other_s_platform_speaks_against() -> None:
    # Tatiana's Mastodon profile says her X account is cosmic_coder_88: not Tatiana_Tkachen.
    a = feat(1, "mastodon", "nordichacker@mastodon.social", "Tatiana Tkachenko", links=["https://twitter.com/cosmic_coder_88"])
    b = feat(2, "x", "Tatiana_Tkachen", "Tatiana Tkachenko")
    items = matching.evidence(a, b, stats())
    assert "links_other_account" in codes(items) and matching.combine(items) < matching.DEFAULT_THRESHOLD
    assert matching.certain_rule(items) is None
    # The link to the very account is a link, not a contradiction.
    own = feat(3, "x", "cosmic_coder_88", "Tatiana Tkachenko")
    assert "links_other_account" not in codes(matching.evidence(a, own, stats()))


def test_one_first_name_with_two_family_names_speaks_against() -> None:
    items = matching.evidence(feat(1, "x", "q1", "Holger Fuchs"), feat(2, "rss", "holger", "Holger D."), stats())
    assert codes(items).get("different_first_name", 0) < 0
    agree = matching.evidence(feat(1, "x", "q1", "Holger Fuchs"), feat(2, "rss", "holger", "Holger F."), stats())
    assert codes(agree)["initial_name"] > 0


def test_a_handle_made_of_common_words_is_weaker_than_one_of_a_name_or_digits() -> None:
    words = stats(w__salty=6, w__byte=5, t__salty=1)
    common = matching.evidence(feat(1, "x", "saltybyte"), feat(2, "reddit", "saltybyte"), words)
    assert "common words" in common[0]["text"] and matching.combine(common) < matching.DEFAULT_THRESHOLD
    # Digits, or words people show as names, keep the handle strong.
    digits = matching.evidence(feat(1, "x", "saltybyte77"), feat(2, "reddit", "saltybyte77"), words)
    assert matching.combine(digits) >= matching.DEFAULT_THRESHOLD
    name = matching.evidence(feat(1, "x", "annafuchs"), feat(2, "reddit", "annafuchs"),
                             stats(w__anna=5, t__anna=30, w__fuchs=4, t__fuchs=9))
    assert matching.combine(name) >= matching.DEFAULT_THRESHOLD


def test_handle_words_are_the_visible_parts_of_a_handle() -> None:
    from crm.identities.features import handle_words

    assert handle_words("Salty-Badger-2665") == {"salty", "badger"}
    assert handle_words("nightOwl_dev") == {"night", "owl", "dev"}
    assert handle_words("saltybyte") == frozenset()  # one piece: nothing visible to count


def test_a_second_account_on_one_platform_that_matches_as_well_makes_both_doubtful() -> None:
    from crm.identities.suggestions import _score

    m = feat(1, "mastodon", "quietfox@chaos.social", "Wiebke Hasselkamp")
    x1 = feat(2, "x", "grumpy_otter", "Wiebke Hasselkamp")
    x2 = feat(3, "x", "pixel_owl", "Wiebke Hasselkamp")
    both = _score([(1, 2), (1, 3)], {1: m, 2: x1, 3: x2}, stats())
    assert all("rival_account" in codes(v[3]) and v[0] < matching.DEFAULT_THRESHOLD for v in both.values())
    # A clearly better match keeps its score; only the weaker one is in doubt.
    x1 = feat(2, "x", "quietfox", "Wiebke Hasselkamp")
    better = _score([(1, 2), (1, 3)], {1: m, 2: x1, 3: x2}, stats())
    assert "rival_account" not in codes(better[(1, 2)][3]) and better[(1, 2)][0] >= matching.DEFAULT_THRESHOLD
    assert "rival_account" in codes(better[(1, 3)][3])


def test_a_handle_written_with_other_separators_is_nearly_the_same_handle() -> None:
    items = matching.evidence(feat(1, "reddit", "Lisa-Grossmann"), feat(2, "mastodon", "lisa.grossmann@ruhr.social"), stats())
    assert matching.combine(items) >= matching.DEFAULT_THRESHOLD
    assert codes(items)["handle_variant"] < matching.WEIGHTS["same_handle_long"]
    # Digits that differ are another handle: only the letters agree.
    other = matching.evidence(feat(1, "reddit", "lisagrossmann1977"), feat(2, "x", "lisagrossmann14"), stats())
    assert matching.combine(other) < matching.DEFAULT_THRESHOLD
