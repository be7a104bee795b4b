"""Why an interaction needs a human: question detection (English and German), reasons, priority.

Rules, not a model: a community manager can read them, and they run on every new item.
Accuracy on the labelled set in tests/crm/inbox_questions.py is reported by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Links often carry "?" in their query string; they never make a text a question.
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_QUESTION_MARK = re.compile(r"[?¿？]")

# The start of a sentence or clause; @mentions, greetings and filler words may come first.
_CLAUSE = r"(?:^|[.!,:;]\s*|\n\s*)(?:@\S+\s+)*(?:(?:so|and|but|ok|okay|hey|hi|also|also,|und|aber|also|hallo|hi)\s+)*"

_EN = (
    r"\bhow (?:do|can|should|would|could|to|does|did) ",
    r"\b(?:does|do|has|did|is) (?:any|some)(?:one|body)\b",
    r"\b(?:any|some)(?:one|body) (?:else|know|knows|tried|seen|here|have|has)\b",
    r"\bis there (?:a|an|any) (?:way|option|setting|fix)\b",
    r"\b(?:can|could|would) (?:someone|anyone|somebody|anybody|you|u) (?:please )?(?!believe)\w",
    r"\bwhere (?:can|do|should|would) (?:i|we|you)\b",
    r"\bwhat(?:'s| is) the (?:best )?(?:way|difference|point)\b",
    r"\bwhat (?:happens|should|do|does|can|if)\b",
    r"\bwhy (?:does|doesn't|do|don't|is|isn't|are|aren't|can't|won't|did)\b",
    # A clause that opens with a question word followed (at most one word later) by a verb.
    _CLAUSE + r"(?:who|what|when|where|which|why|whom)\s+(?:\w+\s+)?"
    r"(?:is|are|was|were|am|do|does|did|can|could|will|would|should|has|have|happens)\b",
    _CLAUSE + r"how (?:exactly |much |many |long |come |often )",
    # Inversion: "Is the app down", "Should I uninstall".
    _CLAUSE + r"(?:is|are|does|do|did|will|would|should|can|could|has|have|am|was|were) "
    r"(?:it|this|that|there|the|a|an|my|your|our|nimbus|you|anyone|anybody|someone|somebody|i|we|they)\b",
    # "help", but not "no help", "thanks for the help", "helpful", "help center".
    r"\bhelp\b(?<!no help)(?<!any help)(?<!the help)(?<!your help)(?! (?:center|centre|article|page|docs))",
    r"\bif (?:you|anyone|someone|somebody|anybody) (?:knows?|has|have)\b",
    r"\bany chance\b",
    r"\bthoughts\W*$",
    r"\b(?:need|want|looking for) (?:some )?(?:help|advice|assistance|tips)\b",
    r"\bany (?:idea|ideas|tips|advice|suggestions?)\b",
    r"\b(?:i )?wonder(?:ing)? (?:if|whether|how|why)\b",
    r"\b(?:not sure|can't figure out|cannot figure out|no idea) (?:how|if|whether|why|what)\b",
    r"\bplease advise\b",
    r"\bquick question\b",
    r"\bis it just me\b",
)
_DE = (
    r"\bwie (?:kann|könnte|kriege|bekomme|mache|stelle|finde|komme|soll|sollte|muss) (?:ich|man|wir)\b",
    r"\bwie (?:geht|funktioniert|klappt)\b",
    r"\b(?:weiß|weiss|kennt|hat|kann) (?:noch |mir )?(?:jemand|einer|wer|irgendwer)\b",
    r"\bgibt es (?:eine|einen|ne|irgendeine) (?:möglichkeit|weg|lösung|option|einstellung)\b",
    r"\bhilfe\b(?<!keinerlei hilfe)(?<!keine hilfe)(?<!die hilfe)(?<!eure hilfe)(?<!deine hilfe)(?<!ihre hilfe)",
    r"\bbrauche (?:dringend )?(?:hilfe|rat|unterstützung|tipps)\b",
    r"\bbitte um (?:hilfe|rat|unterstützung)\b",
    r"\bwo (?:finde|kann|bekomme|stelle) ich\b",
    r"\bwarum (?:geht|funktioniert|kann|ist|wird|werden|sind|bekomme|verbraucht|dauert|hängt)\b",
    r"\bwas (?:ist der|ist die|passiert|soll|mache|kann|tun)\b",
    r"\bgeht es nur mir so\b",
    r"\bfrage an\b|\beine frage\b|\bkurze frage\b",
    _CLAUSE + r"(?:mit |bei |an |für |von |zu )?(?:wann|welche[rsmn]?|wer|wem|wen|wieso|weshalb|weswegen|"
    r"wo|woran|womit|wozu|wohin|woher)\b",
    # Verb first: "Ist das normal", "Kommt der Dark Mode", "Lohnt sich das".
    _CLAUSE + r"(?:ist|sind|gibt|kann|könnt|kannst|habt|hat|hast|unterstützt|soll|sollte|muss|geht|weiß|läuft|"
    r"funktioniert|klappt|kommt|lohnt|reicht|braucht|gilt|wird|werden|bleibt) "
    r"(?:das|es|man|ihr|du|jemand|nimbus|ich|der|die|den|dem|mein|meine|euer|eure|sich)\b",
    r"\b(?:jemand|wer|ihr) (?:eine |einen )?(?:idee|tipp|ahnung|erfahrung|rat)\b",
    r"\bich komme nicht weiter\b",
)
# One alternation per language, matched against the lower-cased text (faster than IGNORECASE).
_EN_RE = re.compile("|".join(f"(?:{p})" for p in _EN))
_DE_RE = re.compile("|".join(f"(?:{p})" for p in _DE))
_BOTH_RE = re.compile("|".join(f"(?:{p})" for p in _EN + _DE))


def is_question(text: str, language: str | None = None) -> bool:
    """Whether the text asks something (a question mark, or a question phrase in EN or DE)."""
    body = _URL.sub(" ", text or "").strip().lower()
    if not body:
        return False
    if _QUESTION_MARK.search(body):
        return True
    lang = (language or "").lower()[:2]
    pattern = _DE_RE if lang == "de" else _EN_RE if lang == "en" else _BOTH_RE
    return pattern.search(body) is not None


@dataclass(frozen=True)
class TeamHandles:
    """Our own accounts: handles per platform and the identity ids already seen."""

    identity_ids: frozenset[int]
    handles: frozenset[str]

    def mention_pattern(self) -> re.Pattern[str] | None:
        """A pattern matching @handle or u/handle of any team account, on any platform."""
        if not self.handles:
            return None
        names = "|".join(re.escape(h) for h in sorted(self.handles, key=len, reverse=True))
        return re.compile(rf"(?:@|\bu/)(?:{names})(?![\w.-]*\w)", re.IGNORECASE)


def reasons_for(
    *, text: str, title: str | None, language: str | None, kind: str, sentiment_label: str,
    mentions_team: bool, in_team_thread: bool,
) -> list[str]:
    """Why this item needs a human, in REASONS order; empty when it does not."""
    reasons = []
    if is_question(f"{title}\n{text}" if title else text, language):
        reasons.append("question")
    if sentiment_label == "negative":
        reasons.append("negative")
    if mentions_team or kind == "message":
        reasons.append("mention")
    if in_team_thread:
        reasons.append("team_thread")
    return reasons


MAX_PRIORITY = 200
_REASON_WEIGHT = {"negative": 30, "question": 25, "mention": 20, "team_thread": 15}


def member_level(interaction_count: int, followers: int | None) -> int:
    """0 new, 1 occasional, 2 regular, 3 influential (by reach or by long engagement)."""
    if (followers or 0) >= 10_000 or interaction_count >= 100:
        return 3
    if interaction_count >= 10:
        return 2
    if interaction_count >= 2:
        return 1
    return 0


def priority(reasons: Iterable[str], *, level: int, sentiment: float, escalation: int = 0) -> int:
    """A 0..200 score: negative and influential and escalated first; age breaks ties in the queue."""
    score = sum(_REASON_WEIGHT.get(r, 0) for r in set(reasons))
    score += 10 * level
    if sentiment < 0:
        score += round(-sentiment * 20)
    score += 30 * escalation
    return max(0, min(MAX_PRIORITY, score))
