"""Question detection on the hand-labelled EN/DE set, reasons and priority (no database)."""

from __future__ import annotations

import pytest

from crm.inbox import classify
from tests.crm import inbox_questions as labelled
from tests.crm.sentiment_sets import questions

SETS = {
    "en tuning": (labelled.EN + labelled.EN_HELD_OUT, "en", 0.95),
    "de tuning": (labelled.DE + labelled.DE_HELD_OUT, "de", 0.95),
    # Written after the rules were frozen: the honest number. 17/20 and 16/20 when written.
    "en test": (labelled.EN_TEST, "en", 0.80),
    "de test": (labelled.DE_TEST, "de", 0.75),
}


def accuracy(data: list[tuple[str, bool]], language: str | None) -> tuple[float, list[str]]:
    wrong = [text for text, expected in data if classify.is_question(text, language) != expected]
    return 1 - len(wrong) / len(data), wrong


@pytest.mark.parametrize("name", list(SETS))
def test_question_detection_accuracy(name: str) -> None:
    data, language, floor = SETS[name]
    acc, wrong = accuracy(data, language)
    print(f"\nquestion detection, {name}: {acc:.1%} of {len(data)}")  # reported with pytest -s
    assert acc >= floor, f"{name}: {acc:.1%} < {floor:.0%}; misclassified: {wrong}"


def test_unknown_language_uses_both_rule_sets() -> None:
    assert classify.is_question("wie kann ich das abschalten", None)
    assert classify.is_question("how do i turn this off", None)
    assert not classify.is_question("Danke, läuft wieder", None)


def test_question_marks_inside_links_do_not_count() -> None:
    assert not classify.is_question("Release notes: https://example.com/notes?v=2&x=1", "en")
    assert classify.is_question("Is this right? https://example.com/notes?v=2", "en")


def test_empty_text_is_no_question() -> None:
    assert not classify.is_question("", "en")
    assert not classify.is_question("   https://example.com/?q=1  ", "en")


def test_reasons() -> None:
    reasons = classify.reasons_for(
        text="This is broken, how do I fix it?", title=None, language="en", kind="comment",
        sentiment_label="negative", mentions_team=True, in_team_thread=True,
    )
    assert reasons == ["question", "negative", "mention", "team_thread"]
    assert classify.reasons_for(
        text="Nice update", title=None, language="en", kind="post", sentiment_label="positive",
        mentions_team=False, in_team_thread=False,
    ) == []
    assert classify.reasons_for(
        text="hello", title=None, language="en", kind="message", sentiment_label="neutral",
        mentions_team=False, in_team_thread=False,
    ) == ["mention"]


def test_mention_pattern_matches_handles_not_lookalikes() -> None:
    team = classify.TeamHandles(identity_ids=frozenset(), handles=frozenset({"nimbus_team"}))
    pattern = team.mention_pattern()
    assert pattern is not None
    assert pattern.search("hey @Nimbus_Team look")
    assert pattern.search("ping u/nimbus_team")
    assert not pattern.search("@nimbus_teamster is not us")
    assert not pattern.search("nimbus_team without a sigil")
    assert classify.TeamHandles(frozenset(), frozenset()).mention_pattern() is None


def test_priority_puts_negative_engaged_widely_followed_and_escalated_first() -> None:
    calm = classify.priority(["question"], level=0, sentiment=0.0)
    angry = classify.priority(["question", "negative"], level=0, sentiment=-0.8)
    angry_champion = classify.priority(["question", "negative"], level=4, sentiment=-0.8)
    angry_and_followed = classify.priority(["question", "negative"], level=0, sentiment=-0.8, followers=50_000)
    escalated = classify.priority(["question"], level=0, sentiment=0.0, escalation=2)
    assert calm < angry < angry_champion
    assert angry < angry_and_followed
    assert classify.priority(["question"], level=0, sentiment=0.0, followers=9_999) == calm
    assert escalated > calm
    assert classify.priority(["negative"] * 3, level=4, sentiment=-1.0, escalation=3, followers=10**6) <= classify.MAX_PRIORITY


def precision_recall(language: str, name: str = "questions_heldout") -> tuple[float, float]:
    rows = [(answer, text) for lang, answer, text in questions(name) if lang == language]
    said = [(answer, classify.is_question(text, language)) for answer, text in rows]
    tp = sum(1 for a, q in said if a and q)
    return tp / max(1, sum(q for _, q in said)), tp / max(1, sum(a for a, _ in said))


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize(
    "name", ["questions_heldout", "questions_blind_dev", "questions_blind_dev2", "questions_test3", "questions_test4"]
)
def test_precision_and_recall_on_the_tuning_sets(language: str, name: str) -> None:
    # questions_heldout.tsv was written before the rules of issue 13 were changed; its misses
    # were then fixed, so it is a tuning set now (EN_TEST / DE_TEST above stay untouched).
    # Before the change: en P 0.85 R 0.68, de P 0.77 R 0.68.
    # questions_blind_dev.tsv was written by an annotator who never saw the rules (quoted and
    # rhetorical questions, requests without a question mark); when it arrived the rules scored
    # en P 0.79 R 0.93, de P 0.78 R 0.78 on it. Its misses were then fixed by rule kinds
    # (reported speech, rhetorical templates, self-answered questions, indirect requests), so
    # it is a tuning set too. questions_blind_dev2.tsv, by a second blind annotator, was then the
    # test set (old rules en 0.80/0.88, de 0.77/0.86; after the first round en 0.85/0.88, de
    # 0.85/0.92); its misses were fixed by kind in a second round (V1 only at a sentence start,
    # embedded w-clauses, blame and self-answered questions, requests), so it is tuning data too.
    # questions_test3.tsv (a third blind annotator, another product) was the held-out set of the
    # second round: en 0.88/0.90, de 0.83/0.76 (the rules before issue 13: en 0.81/0.84, de
    # 0.77/0.72). A third round fixed its misses by kind (requests with please/bitte, reported
    # questions, how-to titles, elliptical recommendations, German V1 with a lower-case name),
    # so it is tuning data too. questions_test4.tsv (a fourth annotator) held out the third round:
    # en 0.88/0.84, de 0.94/0.90 (rules before issue 13: en 0.79/0.76, de 0.81/0.76); a fourth
    # round fixed its kinds (pls, "need someone to", "or nah", tips/polls/tutorials, "bei euch
    # auch", self-answers with "clearly"/"genau"). The held-out set of that round is
    # questions_test5.tsv.
    precision, recall = precision_recall(language, name)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("Which plan includes SSO", "en", True),
    ("I'd like to know if the export keeps folders", "en", True),
    ("Gibt's auch einen Rabatt für Vereine", "de", True),
    ("Ich frage mich, ob das mit dem NAS klappt", "de", True),
    ("Mich würde interessieren, wie ihr das macht", "de", True),
    ("Danke für die schnelle Hilfe gestern!", "de", False),
    ("Keine Hilfe mehr nötig, hat sich erledigt.", "de", False),
    ("Thanks for the quick help yesterday!", "en", False),
    ("Who even designed this menu?", "en", False),
    ("Wer hätte gedacht, dass das so einfach ist.", "de", False),
    ("I know how to fix it now, thanks.", "en", False),
    ("How to fix it now", "en", True),
])
def test_issue_13_misses_and_false_alarms(text: str, language: str, expected: bool) -> None:
    assert classify.is_question(text, language) is expected


@pytest.mark.parametrize("language", ["en", "de"])
def test_precision_and_recall_held_out(language: str) -> None:
    # questions_test5.tsv: a fifth annotator who never saw the rules, another product (120 EN,
    # 100 DE posts); never tuned on. Measured when it arrived, language given and detected
    # alike: en P 0.97 R 0.93, de P 0.91 R 1.00 (the rules before issue 13: en 0.80/0.78, de
    # 0.77/0.86). The issue's target: >= 0.9 both, in both languages.
    precision, recall = precision_recall(language, "questions_test5")
    print(f"\nheld-out questions, {language}: P {precision:.2f} R {recall:.2f}")  # pytest -s
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
