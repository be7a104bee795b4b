"""Why an interaction needs a human: question detection (English and German), reasons, priority.

Rules, not a model: a community manager can read them, and they run on every new item.
Accuracy on the labelled set in tests/crm/inbox_questions.py is reported by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crm.text import strip_urls

# Links often carry "?" in their query string; they never make a text a question.
_QUESTION_MARK = re.compile(r"[?¿？]")

# The start of a sentence or clause; @mentions, greetings and filler words may come first.
# The start of a sentence (German verb-first asks only there), greetings allowed before it.
_SENTENCE = (
    r"(?:^|[.!?:;]\s*|\n\s*|(?:hallo|hi|hey|moin|servus|leute|ok|okay|also|sorry|grüezi),\s*)"
    r"(?:(?:@\S+|hallo|hi|hey|moin|servus|leute|und|aber|also|äh\.*)\s+)*"
)
# German verb first with a name in lower case too ("Hat parcelo ne sandbox"): a finite verb,
# a name, an article.
_DE_V1_NAME = r"(?:hat|macht|kann|bietet|unterstützt|kostet|gibt|liefert|nimmt|druckt) \w+ (?:ne|nen|eine|einen|auch|eigentlich|schon|noch)\b"
_CLAUSE = r"(?:^|[.!,:;]\s*|\n\s*)(?:(?:@\S+|and|but|ok|okay|hey|hi|also,?|und|aber|hallo|äh\.*|uh\.*)\s+)*"

_EN = (
    r"\bhow (?:do|can|should|would|could|does|did) ",
    # "how to" asks unless someone already knows it ("I know how to fix it now").
    r"(?<!know )(?<!knew )(?<!out )(?<!learned )(?<!showed me )\bhow to\b",
    r"\b(?:does|do|has|did|is) (?:any|some)(?:one|body)\b",
    r"\b(?:any|some)(?:one|body) (?:else|know|knows|tried|seen|here|have|has|managed|got|using)\b",
    r"\bis there (?:a|an|any) (?:way|option|setting|fix)\b",
    r"\b(?:can|could|would) (?:someone|anyone|somebody|anybody|you|u) (?:please )?(?!believe)\w",
    r"\bwhere (?:can|do|should|would) (?:i|we|you)\b",
    r"\bwhat(?:'s| is) the (?:best )?(?:way|difference)\b",
    # "..., which is a compliment." continues a statement; "Which plan includes SSO" asks.
    _CLAUSE + r"(?:what's|what is|what are|which)\s+(?!a |an |is |was |means |makes |explains )\w",
    r"\b(?:i'd|i would|would|i'd really|i really) (?:like|love) to know\b",
    r"\blet (?:me|us) know (?:if|whether|how|what|when|which|why|where)\b",
    r"\bany (?:way|option|chance) to\b",
    r"\bwhat (?:happens|should|do|does|can|if)\b",
    r"\bwhy (?:does|doesn't|do|don't|is|isn't|are|aren't|can't|won't|did)\b",
    # A clause that opens with a question word followed (at most one word later) by a verb.
    _CLAUSE + r"(?:who|what|when|where|which(?! is | was )|why|whom)\s+(?:\w+\s+)?"
    r"(?:is|are|was|were|am|do|does|did|can|could|will|would|should|must|has|have|happens)\b",
    _CLAUSE + r"how (?:exactly |much |many |long |come |often )",
    # Inversion: "Is the app down", "Should I uninstall".
    _CLAUSE + r"(?:is|are|does|do|did|will|would|should|can|could|has|have|am|was|were) "
    r"(?:it|this|that|there|the|a|an|my|your|our|you|anyone|anybody|someone|somebody|i|we|they)\b",
    r"\bif (?:you|anyone|someone|somebody|anybody) (?:knows?|has|have)\b",
    r"\bany chance\b",
    r"\bthoughts\W*$",
    r"\b(?:need|want|looking for) (?:some )?(?:help|advice|assistance|tips)\b",
    r"\bany (?:idea|ideas|tips|advice|suggestions?)\b",
    r"\b(?:i )?wonder(?:ing)? (?:if|whether|how|why)\b",
    r"\b(?:not sure|can't figure out|cannot figure out|no idea) (?:how|if|whether|why|what)\b",
    r"\b(?:trying|try|tried) to (?:figure out|find out|work out) (?:how|if|whether|why|what|where|which)\b",
    r"\bcurious (?:whether|if|how|why|what|about whether)\b",
    r"\b(?:appreciate(?: it)?|be grateful|be thankful) if (?:someone|anyone|somebody|anybody|you)\b",
    # A request for action: "please" / "bitte" before a verb, unless it asks nothing of anyone.
    r"\bplease,? (?!(?:don't|never|keep|stay|continue)\b)[a-z]\w*|\b(?:pls|plz)\b|\bplease\W*$",
    r"\bneed (?:someone|somebody|anyone|you|you guys) to\b",
    r"\b(?:love|like|keen|want) to (?:hear|know)\b",
    r"\bor (?:nah|not)\W*$",
    r"\bany (?:update|updates|news|eta)\W*$",
    r"\blooking for (?:someone|somebody|anyone) (?:who|to|that)\b",
    r"\bis \w+ (?:currently |just )?(?:down|offline|broken)\b",
    r"\bdoes \w+ (?:have|support|work|offer|include|cost|sync|allow|need|let|come)\b",
    # "Can nimbus pause ...": a subject after "can"/"could", unless it is an elliptical
    # statement ("Can confirm", "Could be better", "Can relate").
    _CLAUSE + r"(?:can|could) (?!(?:confirm|relate|attest|vouch|recommend|agree|say|see|tell|only|also|"
    r"definitely|totally|highly|not|never|be|do|easily|still|barely|hardly)\b)\w+ \w+",
    # "dark mode when", "ETA?": the question word closes the post.
    r"\b(?:when|eta|wann)\W*$",
    r"\beli5\b",
    r"\b(?:tell|show) (?:me|us) (?:whether|if|how|what|where|which|why)\b",
    r"\b(?:any|all) (?:help|tips|hints|advice|pointers) (?:is |are |would be |much )?(?:appreciated|welcome)\b",
    r"\blooking for a way to\b",
    r"\bquick q\b",
    r"\bplease advise\b",
    r"\bquick question\b",
    r"\bis it just me\b",
)
_DE = (
    r"\bwie (?:kann|könnte|kriege|bekomme|mache|stelle|finde|komme|soll|sollte|muss) (?:ich|man|wir)\b",
    r"\bwie (?:geht|funktioniert|klappt)\b",
    r"\b(?:weiß|weiss|kennt|hat|kann) (?:noch |mir |zufällig |vielleicht |hier |denn )*(?:jemand|einer|wer|irgendwer)\b",
    r"\bwenn (?:mir |uns )?(?:jemand|wer|einer|ihr) \w+",
    r"\bgibt es (?:eine|einen|ne|irgendeine) (?:möglichkeit|weg|lösung|option|einstellung)\b",
    r"\b(?:brauch|brauche|bräuchte|benötige|bräuchten|brauchen) (?:dringend |etwas |mal |kurz |bitte |eure |ihre |deine |eine |einen )*"
    r"(?:hilfe|rat|unterstützung|tipps|bestätigung|antwort|rückmeldung|info|auskunft)\b",
    r"\bbitte,? (?!(?:schön|sehr|gerne|nicht ändern)\b)[a-zäöü]\w*",
    r"\b(?:suche|such) (?:jemanden|wen|einen|eine|nach tipps|tipps|hilfe|rat|empfehlungen|ideen)\b",
    r"\bbei euch auch\b|\bbitte\W*$|\bmeldet euch\b",
    r"\bliegt(?:'s| es| das)? an mir\b|\b(?:ist|is) \w+ (?:grad |gerade )?(?:down|offline|kaputt)\b",
    r"\bwas \w+ (?:denn|eigentlich|genau)\b",
    r"\bbitte um (?:hilfe|rat|unterstützung|rückmeldung|antwort|info|auskunft|rückruf)\b",
    r"\bwo (?:finde|kann|bekomme|stelle) ich\b",
    r"\bwarum (?:geht|funktioniert|kann|ist|wird|werden|sind|bekomme|verbraucht|dauert|hängt)\b",
    r"\bwas (?:ist der|ist die|passiert|soll|mache|kann|tun)\b",
    _CLAUSE + r"was (?:kostet|kosten|bringt|bedeutet|heißt|heisst|macht|muss|sollte|kann|passiert)\b",
    _CLAUSE + r"wie (?:lange|viel|viele|oft|teuer|groß|gross|schnell|genau|sicher)\b",
    r"\bfrage mich,? (?:ob|wie|was|wann|warum|wo|welche)",
    r"\b(?:mich )?würde (?:mich )?(?:mal |brennend |sehr )*interessieren\b",
    r"\b(?:wisst|weißt|weisst) (?:ihr|du)\b",
    r"\b(?:hätte|würde|wüsste) (?:sehr )?(?:gern|gerne)\b",
    _SENTENCE + r"gibt(?:'s|s| es| s)\b(?! keine)",
    # "wie krieg ich das weg", "wie schalte ich ... aus": a question word, a verb, the asker.
    r"\bwie \w+ (?:ich|man|wir)\b",
    _SENTENCE + _DE_V1_NAME,
    r"\b(?:suche|such|suchen) (?:nach )?(?:einem |einer |nem |ner |eine |ne )?(?:weg|möglichkeit|lösung)\b",
    r"\bfür (?:jeden|jede|alle|einen|eure|jegliche) (?:tipps?|hinweise?|hilfe|rat|ideen?)\w* dankbar\b",
    r"\b(?:helft|hilf|helfen sie) (?:mir|uns)\b",
    r"\b(?:sagt|sag|erklärt|erklär|zeigt|zeig) (?:mir|uns) (?:bitte |mal )*(?:jemand|wer|einer|,? ?wie|,? ?ob|,? ?was|,? ?wo)\b",
    r"\bgeht es nur mir so\b",
    r"\bfrage an\b|\beine frage\b|\bkurze frage\b",
    _CLAUSE + r"(?:mit |bei |an |für |von |zu )?(?:wann|welche[rsmn]?|wer|wem|wen|wieso|weshalb|weswegen|"
    r"wo|woran|womit|wozu|wohin|woher)\b(?! (?:ich|du|er|es|wir|ihr|man|sie)\b)",
    # Verb first: "Ist das normal", "Kommt der Dark Mode", "Lohnt sich das".
    _SENTENCE + r"(?:ist|is|sind|gibt|kann|könnt|kannst|habt|hat|hast|unterstützt|soll|sollte|muss|geht|weiß|läuft|"
    r"krieg|kriege|bekomm|bekomme|darf|könnte|"
    r"funktioniert|klappt|kommt|lohnt|reicht|braucht|gilt|wird|werden|bleibt|lässt|laesst) "
    r"(?:das|es|man|ihr|du|jemand|ich|der|die|den|dem|mein|meine|euer|eure|sich)\b",
    r"\b(?:jemand|wer|ihr) (?:eine |einen )?(?:idee|tipp|ahnung|erfahrung|rat)\b",
    r"\bich komme nicht weiter\b",
)
_NAMED_INVERSION = re.compile(
    r"(?:^|[.!?\n]\s*)(?:@\S+\s+)*(?i:is|are|does|do|can|will|should|has|have|ist|kann|hat|gibt|"
    r"unterstützt|geht|funktioniert|läuft|bietet|macht|kostet|liefert|druckt|nimmt|zeigt|will|muss|darf|soll)"
    r"\s+[A-Z][\w.-]+\s+\w"
)
# One alternation per language, matched against the lower-cased text (faster than IGNORECASE).
_EN_RE = re.compile("|".join(f"(?:{p})" for p in _EN))
_DE_RE = re.compile("|".join(f"(?:{p})" for p in _DE))
_BOTH_RE = re.compile("|".join(f"(?:{p})" for p in _EN + _DE))


# Asking for help ("need help", "Hilfe!") but not thanking for it or declining it, nor the help
# center: checked apart from the phrases, so that thanks in the same sentence can cancel it.
_HELP = re.compile(
    r"\b(?:help|hilfe)\b(?<!no help)(?<!any help)(?<!the help)(?<!your help)(?<!keinerlei hilfe)"
    r"(?<!keine hilfe)(?<!die hilfe)(?<!eure hilfe)(?<!deine hilfe)(?<!ihre hilfe)"
    r"(?! (?:center|centre|article|page|docs|seite|artikel|mehr nötig|mehr noetig))"
)
_THANKS_FOR_HELP = re.compile(
    r"\b(?:thanks|thank you|thx|danke|dank|vielen dank)\b[^.!?\n]*\b(?:help|hilfe)\b"
)
# Exclamations and rhetorical questions, and "it is solved": no answer needed, even if they
# open like a question ("Who even designed this menu.", "Wer hätte gedacht, dass ...").
_NO_ANSWER = re.compile(
    r"\bwho knew\b|\bwho even\b|\bwhy (?:do|would|should|did) (?:i|we) even\b|"
    r"^(?:how (?:cool|nice|great|awesome|amazing|good|sweet)|what a)\b|"
    r"\bwer hätte (?:das )?gedacht\b|\b(?:bloß|bloss|nur) ausgedacht\b|\bwarum tue ich mir\b|"
    r"^(?:wie (?:schön|schoen|toll|cool|geil|super)|was für ein|was ein|welch ein)\b|"
    r"\bhat sich erledigt\b|\b(?:sorted it out|never ?mind|nvm|issue is solved|problem solved)\b|"
    # The rhetorical templates of both languages: they ask nothing of the reader.
    r"\bwho would(?:'ve| have) (?:thought|guessed)\b|\bhow hard can it be\b|\bever notice(?:d)? how\b|"
    r"\b(?:is|was) (?:it|this|that) even\b|\bwhat(?:'s| is) worse than\b|\bseriously thinks? \b|"
    r"\bwhy (?:pay|bother|use|buy)\b[^?.!]*\bwhen\b|\bwhy would (?:anyone|anybody)\b|\bsmh\b|"
    r"(?:^|[.!]\s*)does the (?:job|trick)\b|"
    # tips, tutorials and polls ask the reader to read or vote, not to answer
    r"\b(?:quick |pro )?(?:tutorial|guide|tip|psa|anleitung|tipp)\s*:|(?:^|\n)\s*(?:quick )?poll\b|\bpoll (?:from|by) |\bpoll:|\bvote (?:below|now|here)\b|"
    r"\bumfrage\b|\bstimmt [^.!?]*\bab\b|\bever wonder(?:ed)?\b|\b(?:ihr wundert euch|wundert ihr euch)\b|"
    r"\bhow do you know (?:someone|somebody|if someone)\b|\b(?:then|and|but) found\b|\basking for a friend\b|🤡|\brhetorische frage\b|\bwitz des tages\b|\bjoke of the day\b|"
    r"\bwhat(?:'s| is) (?:even )?the point\b|\bwho needs\b[^?.!]*\bwhen\b|\becht jetzt\b|"
    r"\bwas soll (?:so|so ne|so eine|sowas)\b|"
    r"\b(?:nur|absolut|wärmstens|uneingeschränkt) (?:weiter)?empfehlen\b|\b(?:can only|highly|would) recommend\b|"
    # a how-to ("How to print labels in bulk: 1. ...") and a question somebody else asked
    r"\bhow to [^?.!\n]*:\s*(?:\n|1[.)]|step)|\bso geht'?s:|\banleitung:|"
    r"\b(?:someone|somebody|a customer|customer|my \w+|einer|jemand|kunde|kundin|mein \w+|meine \w+) "
    r"(?:hat |has |had |per mail |per e-mail )?(?:asked|asks|gefragt|fragt|fragte)\b|"
    r"\bwhy am i (?:not )?(?:surprised|even)\b|\bwhy does every\b|\bwas soll (?:das|der|die) (?:denn|eigentlich)?\b|"
    r"\bwho (?:at \S+ )?(?:thought|designs|designed|approved|signed off)\b|"
    r"\bwer hat (?:das|den|die|sowas) (?:abgenommen|verbrochen|entworfen|designt|genehmigt)\b|"
    r"\b(?:turns out|figured it out|found it|hab'?s gefunden|stellt sich raus|hat sich geklärt)\b|"
    r"\bwie schwer kann (?:es|das) (?:denn )?sein\b|\bwer braucht (?:denn )?schon\b|"
    r"\bist (?:es|das) überhaupt\b|\bwas ist schlimmer als\b|\bernsthaft (?:jemand |einer )?gedacht\b|"
    r"\bwozu\b[^?.!]*,? wenn\b|\bwer hat sich (?:das |eigentlich |denn )*[^?.!]*ausgedacht\b|🙄|"
    # A question the writer answers at once ("Why ...? Because the universe hates me.").
    r"\?\s*(?:because|'?cause|weil|apparently|obviously|offenbar|anscheinend|offensichtlich|"
    r"no|nope|yes|yep|absolutely|definitely|clearly|genau|none|nobody|nein|ja|jein|klar|definitiv|keiner|keinen|niemand|"
    r"natürlich nicht|für uns|for us)\b"
)
# Reported speech: a question inside quotes is somebody else's ("my boss asked 'can we ...?'").
_QUOTED = re.compile(
    r'"[^"\n]{2,}"|“[^”\n]+”|„[^“”\n]+[“”]|«[^»\n]+»|»[^«\n]+«|(?<!\w)\'[^\'\n]{2,}\'(?!\w)'
)


def is_question(text: str, language: str | None = None) -> bool:
    """Whether the text asks something (a question mark, or a question phrase in EN or DE).

    ``language`` is the interaction's (given by the platform or detected at ingest): English
    and German have their own phrases; any other or unknown language is tried with both.
    """
    kept = strip_urls(text)
    if "'" in kept or '"' in kept or not kept.isascii():
        kept = _QUOTED.sub(" ", kept)
    body = kept.strip().lower()
    if not body:
        return False
    if _QUESTION_MARK.search(body):
        return _NO_ANSWER.search(body) is None
    # The phrases first: most texts are statements that match none of them, and then the
    # rhetorical check (the costlier pattern) is not needed.
    lang = (language or "").lower()[:2]
    pattern = _DE_RE if lang == "de" else _EN_RE if lang == "en" else _BOTH_RE
    asks = (
        _NAMED_INVERSION.search(kept) is not None
        or pattern.search(body) is not None
        or (_HELP.search(body) is not None and _THANKS_FOR_HELP.search(body) is None)
    )
    return asks and _NO_ANSWER.search(body) is None


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


# An author this widely followed is answered first, whatever their engagement with us.
WIDE_REACH = 10_000


def priority(
    reasons: Iterable[str], *, level: int, sentiment: float, escalation: int = 0, followers: int | None = None
) -> int:
    """A 0..200 score: negative, engaged or widely followed, and escalated first; age breaks ties.

    ``level`` is the member's engagement rank (0 dormant .. 4 champion, crm/members/engagement.py).
    """
    score = sum(_REASON_WEIGHT.get(r, 0) for r in set(reasons))
    score += 8 * level
    if (followers or 0) >= WIDE_REACH:
        score += 20
    if sentiment < 0:
        score += round(-sentiment * 20)
    score += 30 * escalation
    return max(0, min(MAX_PRIORITY, score))
