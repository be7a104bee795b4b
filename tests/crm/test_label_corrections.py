"""The team corrects sentiment labels; unscored texts stay out of means and negative shares."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.alerts import counters
from crm.alerts.models import VolumeBucket
from crm.errors import InvalidInput, NotFound
from crm.inbox.models import InboxItem
from crm.inbox.triage import triage
from crm.interactions import corrections
from crm.interactions.models import Interaction, LabelCorrection
from crm.sentiment import NOT_SCORED
from tests.factories import BASE_TIME, ingest, member_of, mention, unique

NEGATIVE = "This is terrible, awful service and I hate how broken it is."
POSITIVE = "I love this product, it is wonderful and the support team is great!"
FRENCH = "C'est vraiment nul, je déteste cette application et son support"


def _one(db: Session, external_id: str) -> Interaction:
    db.expire_all()
    return db.scalars(select(Interaction).where(Interaction.external_id == external_id)).one()


def _bucket(db: Session, key: str = "all") -> VolumeBucket:
    db.expire_all()
    return db.scalars(
        select(VolumeBucket).where(
            VolumeBucket.scope_key == key, VolumeBucket.bucket_start == counters.bucket_start(BASE_TIME)
        )
    ).one()


def test_a_correction_wins_everywhere_the_label_is_read(db: Session) -> None:
    who = unique("a")
    neg, pos = unique("m"), unique("m")
    ingest(db, mention(external_id=neg, by=who, text=NEGATIVE), mention(external_id=pos, by=who, text=POSITIVE))
    item = _one(db, neg)
    triage(db, [item.id])
    counters.update_counters(db, [item.id])
    assert _bucket(db).negative == 1
    inbox = db.scalars(select(InboxItem).where(InboxItem.interaction_id == item.id)).one()
    assert "negative" in inbox.reasons
    before = inbox.priority
    analyzer_score = item.sentiment

    corrections.correct_label(db, item.id, "positive", user_id=None)

    item = _one(db, neg)
    assert (item.sentiment_label, item.label_corrected) == ("positive", True)
    assert item.sentiment == corrections.TYPICAL_SCORE["positive"]  # the analyzer's -0.9 does not fit
    kept = db.scalars(select(LabelCorrection).where(LabelCorrection.interaction_id == item.id)).one()
    assert (kept.analyzer_label, kept.analyzer_score, kept.label) == ("negative", analyzer_score, "positive")
    member = member_of(db, "reddit", who)
    assert (member.positive_count, member.negative_count) == (2, 0)
    assert _bucket(db).negative == 0 and _bucket(db).count == 2
    db.refresh(inbox)
    assert inbox.sentiment_label == "positive" and "negative" not in inbox.reasons.split(",")
    assert inbox.priority < before


def test_undo_gives_the_analyzer_label_back(db: Session) -> None:
    ext = unique("m")
    ingest(db, mention(external_id=ext, text=NEGATIVE))
    item = _one(db, ext)
    score = item.sentiment
    corrections.correct_label(db, item.id, "neutral", user_id=None)
    corrections.correct_label(db, item.id, "positive", user_id=None)  # a second correction replaces
    assert db.scalars(select(LabelCorrection)).all()[-1].analyzer_label == "negative"
    corrections.undo_correction(db, item.id)
    item = _one(db, ext)
    assert (item.sentiment_label, item.sentiment, item.label_corrected) == ("negative", score, False)
    assert db.scalars(select(LabelCorrection).where(LabelCorrection.interaction_id == item.id)).first() is None
    with pytest.raises(InvalidInput):
        corrections.undo_correction(db, item.id)


def test_a_score_that_fits_the_team_label_is_kept(db: Session) -> None:
    ext = unique("m")
    ingest(db, mention(external_id=ext, text=NEGATIVE))
    item = _one(db, ext)
    score = item.sentiment
    corrections.correct_label(db, item.id, "negative", user_id=None)  # confirmed
    assert _one(db, ext).sentiment == score
    [entry] = [e for e in corrections.agreement(db) if e.language == "en"]
    assert (entry.corrections, entry.agreed, entry.rate) == (1, 1, 1.0)


def test_bad_label_and_missing_interaction_are_clear_errors(db: Session) -> None:
    ext = unique("m")
    ingest(db, mention(external_id=ext, text=NEGATIVE))
    with pytest.raises(InvalidInput) as bad:
        corrections.correct_label(db, _one(db, ext).id, "furious", user_id=None)
    assert bad.value.field == "label"
    with pytest.raises(NotFound):
        corrections.correct_label(db, 10**9, "positive", user_id=None)


def test_a_re_delivery_never_overwrites_a_correction(db: Session) -> None:
    ext = unique("m")
    ingest(db, mention(external_id=ext, text=NEGATIVE))
    corrections.correct_label(db, _one(db, ext).id, "positive", user_id=None)
    result = ingest(db, mention(external_id=ext, text=NEGATIVE + " Really terrible."))
    assert result.duplicate == 1
    assert _one(db, ext).sentiment_label == "positive"


def test_agreement_report_per_language(db: Session) -> None:
    ids = []
    for text, language in ((NEGATIVE, "en"), (POSITIVE, "en"), (NEGATIVE, "en"), (FRENCH, "fr")):
        ext = unique("m")
        ingest(db, mention(external_id=ext, text=text, language=language))
        ids.append(_one(db, ext).id)
    corrections.correct_label(db, ids[0], "negative", user_id=None)  # agrees
    corrections.correct_label(db, ids[1], "neutral", user_id=None)  # disagrees
    corrections.correct_label(db, ids[2], "neutral", user_id=None)  # disagrees
    corrections.correct_label(db, ids[3], "negative", user_id=None)  # was not scored
    report = {e.language: e for e in corrections.agreement(db)}
    assert (report["en"].corrections, report["en"].agreed) == (3, 1)
    assert report["en"].rate == pytest.approx(1 / 3)
    assert report["en"].top_change == (("negative", "neutral"), 1) or report["en"].top_change == (
        ("positive", "neutral"), 1)
    assert (report["fr"].corrections, report["fr"].agreed) == (1, 0)
    assert report["fr"].top_change == ((NOT_SCORED, "negative"), 1)
    # A text the team labelled now counts: it has the label's typical score.
    assert _one(db, db.get(Interaction, ids[3]).external_id).sentiment == corrections.TYPICAL_SCORE["negative"]


def test_unscored_texts_are_not_a_zero_in_member_means_and_counters(db: Session) -> None:
    who = unique("a")
    ingest(
        db,
        mention(by=who, text=NEGATIVE, language="en"),
        mention(by=who, text=FRENCH, language="fr", minutes=1),
        mention(by=who, text=FRENCH + " encore", language="fr", minutes=2),
    )
    member = member_of(db, "reddit", who)
    negative = db.scalar(select(Interaction.sentiment).where(Interaction.member_id == member.id,
                                                              Interaction.language == "en"))
    assert member.sentiment_mean == pytest.approx(negative)
    ids = list(db.scalars(select(Interaction.id).where(Interaction.member_id == member.id)))
    counters.update_counters(db, ids)
    bucket = _bucket(db, "platform:reddit")
    assert (bucket.count, bucket.scored, bucket.negative) == (3, 1, 1)
    assert bucket.sentiment_sum == pytest.approx(negative)


def test_windowed_segment_mean_leaves_unscored_texts_out(db: Session) -> None:
    from crm.segments.compile import member_ids
    from crm.segments.rules import parse_rule

    who = unique("a")
    now = BASE_TIME + timedelta(days=1)
    ingest(
        db,
        mention(by=who, text=NEGATIVE, language="en"),
        *(mention(by=who, text=FRENCH + f" {i}", language="fr", minutes=i + 1) for i in range(5)),
    )
    member = member_of(db, "reddit", who)
    rule = parse_rule({"field": "sentiment", "max": -0.3, "days": 30})
    found = set(db.scalars(member_ids(db, rule, now=now)))
    # With the five French texts counted as 0 the mean would be about -0.15, above -0.3.
    assert member.id in found


def test_negative_share_of_a_spike_is_of_scored_mentions() -> None:
    from crm.alerts.severity import Impact

    mixed = Impact(mentions=300, negative=100, reach=10, platforms=1, scored=150)
    assert any("67% negative" in f for f in mixed.factors())
    assert not Impact(mentions=300, negative=100, reach=10, platforms=1, scored=300).factors()
