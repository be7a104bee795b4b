"""Sentiment and language: German quality on sets written before the rules, not-scored languages,
the language detector, and what ingest stores."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from crm import sentiment
from crm.interactions.models import Interaction
from crm.members import aggregates
from crm.members.models import Member
from crm.sentiment import language
from tests.crm.sentiment_sets import BLIND_SETS, GERMAN_SETS, blind_set, german_set, quality
from tests.factories import author, ingest, member_of, mention

STOCK = SentimentIntensityAnalyzer()
# Measured on the sets (r, accuracy) when the German analyzer was written; the three style sets
# (tweets, forum, news) were not used for tuning, the negation set was.
FLOORS = {"tweets": (0.70, 0.72), "forum": (0.78, 0.75), "news": (0.60, 0.62), "negation": (0.80, 0.80)}


def german(text: str) -> float:
    c = sentiment.score(text, "de")
    assert c is not None
    return c


@pytest.mark.parametrize("name", GERMAN_SETS)
def test_german_beats_stock_vader_and_holds_its_level(name: str) -> None:
    rows = german_set(name)
    r, acc = quality(rows, german)
    stock_r, stock_acc = quality(rows, lambda t: STOCK.polarity_scores(t)["compound"])
    assert r > stock_r and acc > stock_acc
    assert (r, acc) >= FLOORS[name], (r, acc)


# The blind sets (never tuned on): measured r / accuracy when they arrived, 2026-12-07:
# translated tweets 0.796 / 68 % (stock VADER on the German 0.432; on the English originals
# 0.884), negation 0.611 / 63 % (stock 0.263), social 0.504 / 54 % (stock 0.167).
# The targets: r >= 0.75 on translated tweets, no German set below stock VADER.
BLIND_FLOORS = {"tweets_translated": 0.75, "negation_blind": 0.55, "social_blind": 0.45}


@pytest.mark.parametrize("name", BLIND_SETS)
def test_german_on_sets_written_blind_to_the_rules(name: str) -> None:
    rows = blind_set(name)
    assert len(rows) >= 100
    r, _ = quality(rows, german)
    stock_r, _ = quality(rows, lambda t: STOCK.polarity_scores(t)["compound"])
    print(f"\n{name}: r {r:.3f}, stock VADER {stock_r:.3f}")  # reported with pytest -s
    assert r > stock_r
    assert r >= BLIND_FLOORS[name], r


@pytest.mark.parametrize(("text", "expected"), [
    ("Das ist nicht schlecht.", "positive"),
    ("Das ist nicht gut.", "negative"),
    ("Sehe das auch. Neustart hilft nicht, echt ärgerlich.", "negative"),
    ("Der Support antwortet seit 14 Tagen nicht auf mein Ticket. Schwach für ein Bezahlprodukt.", "negative"),
    ("Schlechtester Service überhaupt, ich kündige.", "negative"),
    ("Es ist nicht perfekt, aber gut.", "positive"),
    ("Die Idee ist gut, die Umsetzung jedoch miserabel.", "negative"),
    ("Grossartige Arbeit, vielen Dank!", "positive"),
    ("Ich bin ueberhaupt nicht zufrieden.", "negative"),
    ("Einfach nur genial 😍", "positive"),
    ("Nicht nur schnell, sondern auch zuverlässig.", "positive"),
    ("Totalausfall seit heute Morgen.", "negative"),
    ("Ich würde es nicht weiterempfehlen.", "negative"),
])
def test_german_rules(text: str, expected: str) -> None:
    assert sentiment.label_for(german(text)) == expected


def test_negation_dampens_a_negative_word_and_stops_at_the_clause() -> None:
    assert 0 < german("Das ist nicht schlecht.") < -german("Das ist schlecht.") / 2
    assert german("Das ist nicht gut.") < 0
    # The comma ends the scope: "ärgerlich" stays negative, "hilft" is negated.
    assert german("Neustart hilft nicht, echt ärgerlich.") < german("echt ärgerlich.")


def test_boosters_dampeners_superlatives_and_spellings() -> None:
    assert german("Sehr gut.") > german("Gut.") > german("Etwas gut.") > 0
    assert german("Mega schlecht.") < german("Schlecht.") < german("Kaum schlecht.")
    assert german("Der schlechteste Service.") < german("Der schlechte Service.") < 0
    assert german("Schön, dass es jetzt läuft.") == german("Schoen, dass es jetzt laeuft.")
    assert german("Das ist SUPER, danke") > german("Das ist super, danke")
    assert german("Gut!!!") > german("Gut.")


def test_english_false_friends_are_not_german_words_and_the_reverse() -> None:
    for text in ("Mister Rogers was here today", "Battery toll of search is noticeable."):
        assert sentiment.analyze(text).compound == STOCK.polarity_scores(text)["compound"]
    assert german("Die Kinder hatten Spaß im Bad.") >= 0  # "die", "bad" are not English here


def test_other_languages_are_not_scored() -> None:
    for text in ("C'est vraiment nul, je déteste cette application",
                 "Esta aplicación es muy buena, me encanta", "Werkt niet meer sinds de update"):
        result = sentiment.analyze(text)
        assert result.language in {"fr", "es", "nl"}
        assert (result.compound, result.label) == (None, sentiment.NOT_SCORED)
    assert sentiment.label_for(sentiment.score("fine", "fr")) == sentiment.NOT_SCORED
    # Without letters there is no language to miss: emoji are scored as VADER scores them.
    assert sentiment.score("😡😡", "fr") == STOCK.polarity_scores("😡😡")["compound"]


def test_the_given_language_wins() -> None:
    text = "Das ist gut"
    assert sentiment.analyze(text).language == "de"
    assert sentiment.analyze(text, "en").language == "en"
    assert sentiment.analyze(text, "en").compound == STOCK.polarity_scores(text)["compound"]
    assert sentiment.analyze("Das ist gut", "de-AT").language == "de"


def test_language_detection_on_the_sets() -> None:
    texts = [t for name in GERMAN_SETS for _, t in german_set(name)]
    right = sum(sentiment.guess_language(t) == "de" for t in texts)
    assert right / len(texts) >= 0.98
    en = ["How do I stop Nimbus from starting at login?", "ridiculously quick, love it",
          "Third outage this month. Not happy.", "Anyone else having sync issues today"]
    assert [sentiment.guess_language(t) for t in en] == ["en"] * len(en)
    assert sentiment.guess_language("") is None


def test_the_shortcut_agrees_with_the_model() -> None:
    texts = [t for name in GERMAN_SETS for _, t in german_set(name)]
    decided = [(t, language.by_function_words(t)) for t in texts]
    decided = [(t, lang) for t, lang in decided if lang]
    assert len(decided) > len(texts) / 2
    assert all(lang == language.by_model(t) == "de" for t, lang in decided)
    assert language.by_function_words("Het was een goede dag, het is mooi") is None
    assert language.by_function_words("On a un problème avec la synchro") is None


def test_ingest_stores_language_and_keeps_unscored_out_of_the_mean(db: Session) -> None:
    who = author()
    ingest(
        db,
        mention(by=who, text="I love this product, it is wonderful!", minutes=0),
        mention(by=who, text="C'est vraiment nul, je déteste cette application", minutes=1),
        mention(by=who, text="Das ist leider richtig schlecht.", minutes=2),
        mention(by=who, text="Totally fine text", minutes=3, language="fr"),
    )
    member = member_of(db, "reddit", who.id)
    rows = db.scalars(select(Interaction).where(Interaction.member_id == member.id)
                      .order_by(Interaction.occurred_at)).all()
    assert [r.language for r in rows] == ["en", "fr", "de", "fr"]
    assert [r.sentiment_label for r in rows] == ["positive", "unscored", "negative", "unscored"]
    assert member.interaction_count == 4
    assert (member.positive_count, member.negative_count, member.neutral_count) == (1, 1, 0)
    assert member.sentiment_mean == pytest.approx((rows[0].sentiment + rows[2].sentiment) / 2)
    # A merge recomputes the aggregates from the interactions: the same numbers.
    expected = (member.interaction_count, member.positive_count, member.negative_count,
                member.neutral_count, member.sentiment_mean)
    aggregates.recompute(db, [member.id])
    db.expire_all()
    again = db.get(Member, member.id)
    assert again is not None
    assert (again.interaction_count, again.positive_count, again.negative_count,
            again.neutral_count) == expected[:4]
    assert again.sentiment_mean == pytest.approx(expected[4])


def test_the_badge_says_not_scored() -> None:
    from web.filters import sentiment_badge

    assert ">not scored<" in str(sentiment_badge(sentiment.NOT_SCORED, 0.0))
    assert ">negative<" in str(sentiment_badge("negative", -0.5))
