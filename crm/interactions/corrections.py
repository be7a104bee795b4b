"""The team corrects a sentiment label; how often the analyzer agrees with the team.

A correction is the team's verdict and wins everywhere the label is read: the interaction's
``sentiment_label`` and ``sentiment`` hold it (so the inbox, segments, member counts, alert
counters and the overview need no second code path), ``label_corrected`` marks it, and the
analyzer's label and score stay in ``label_corrections`` for undo and the agreement report.
Nothing re-scores a stored interaction (ingest scores new items only), so a correction is never
overwritten.

The score follows the label: when the analyzer's score already falls in the team's label it is
kept, otherwise it becomes the label's typical score (+0.5 / 0 / -0.5), so means agree with
labels. A text that was "not scored" (a language without an analyzer) counts from then on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.alerts.counters import update_counters
from crm.db import utcnow
from crm.errors import InvalidInput, NotFound
from crm.inbox import classify
from crm.inbox.models import REASONS, InboxItem
from crm.inbox.triage import triage
from crm.interactions.models import SENTIMENT_LABELS, Interaction, LabelCorrection
from crm.members import aggregates
from crm.members.models import Member
from crm.sentiment import NOT_SCORED, label_for

TYPICAL_SCORE = {"positive": 0.5, "neutral": 0.0, "negative": -0.5}


def correct_label(
    session: Session, interaction_id: int, label: str, *, user_id: int | None, now: datetime | None = None
) -> Interaction:
    """Set the team's label on one interaction and bring everything that reads it up to date."""
    if label not in SENTIMENT_LABELS:
        raise InvalidInput(f"label must be one of {', '.join(SENTIMENT_LABELS)}", field="label")
    item = session.get(Interaction, interaction_id)
    if item is None:
        raise NotFound(f"interaction {interaction_id} not found")
    row = session.scalar(select(LabelCorrection).where(LabelCorrection.interaction_id == item.id))
    if row is None:
        row = LabelCorrection(
            interaction_id=item.id, analyzer_label=item.sentiment_label,
            analyzer_score=item.sentiment, language=item.language,
        )
        session.add(row)
    row.label = label
    row.user_id = user_id
    row.created_at = now or utcnow()
    analyzer_fits = row.analyzer_label != NOT_SCORED and label_for(row.analyzer_score) == label
    _set(session, item, label, row.analyzer_score if analyzer_fits else TYPICAL_SCORE[label], True)
    return item


def undo_correction(session: Session, interaction_id: int) -> Interaction:
    """Give the interaction its analyzer's label and score back."""
    item = session.get(Interaction, interaction_id)
    if item is None:
        raise NotFound(f"interaction {interaction_id} not found")
    row = session.scalar(select(LabelCorrection).where(LabelCorrection.interaction_id == item.id))
    if row is None:
        raise InvalidInput("this label was not corrected", field="label")
    label, score = row.analyzer_label, row.analyzer_score
    session.delete(row)
    _set(session, item, label, score, False)
    return item


def _set(session: Session, item: Interaction, label: str, score: float, corrected: bool) -> None:
    item.sentiment_label = label
    item.sentiment = score
    item.label_corrected = corrected
    session.flush()
    inbox = session.scalar(select(InboxItem).where(InboxItem.interaction_id == item.id))
    if inbox is not None:
        # The item stays where the team works on it; only its sentiment reason and rank move.
        reasons = set(filter(None, inbox.reasons.split(","))) - {"negative"}
        if label == "negative":
            reasons.add("negative")
        ordered = [r for r in REASONS if r in reasons]
        inbox.sentiment_label = label
        inbox.reasons = ",".join(ordered)
        inbox.priority = classify.priority(
            ordered, level=inbox.member_level, sentiment=score, escalation=inbox.escalation_level,
            followers=session.scalar(select(Member.followers_max).where(Member.id == item.member_id)),
        )
    else:
        triage(session, [item.id])  # a text the team calls negative may now need a human
    aggregates.recompute(session, [item.member_id])
    update_counters(session, [item.id])
    session.flush()


@dataclass
class LanguageAgreement:
    """How often the analyzer's label matched the team's, for one language."""

    language: str
    corrections: int = 0
    agreed: int = 0
    # (analyzer's label, team's label) -> how often
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.agreed / self.corrections if self.corrections else None

    @property
    def top_change(self) -> tuple[tuple[str, str], int] | None:
        """The most frequent disagreement ((analyzer's, team's), count), None if there is none."""
        changes = [(pair, n) for pair, n in self.confusion.items() if pair[0] != pair[1]]
        return max(changes, key=lambda c: (c[1], c[0])) if changes else None


def agreement(session: Session) -> list[LanguageAgreement]:
    """Per language (most corrected first): corrections, how many the analyzer had right.

    An interaction the team looked at and confirmed counts as agreement: the team may set the
    label the analyzer gave, which records that it was checked.
    """
    rows = session.execute(
        select(LabelCorrection.language, LabelCorrection.analyzer_label, LabelCorrection.label, func.count())
        .group_by(LabelCorrection.language, LabelCorrection.analyzer_label, LabelCorrection.label)
    )
    found: dict[str, LanguageAgreement] = defaultdict(lambda: LanguageAgreement(""))
    for language, said, team, n in rows:
        key = language or "unknown"
        entry = found[key]
        entry.language = key
        entry.corrections += n
        entry.agreed += n if said == team else 0
        entry.confusion[(said, team)] = entry.confusion.get((said, team), 0) + n
    return sorted(found.values(), key=lambda e: (-e.corrections, e.language))


def recent_corrections(session: Session, limit: int = 50) -> list[tuple[LabelCorrection, Interaction]]:
    """The newest corrections with their interactions, for the report page."""
    rows = session.execute(
        select(LabelCorrection, Interaction)
        .join(Interaction, Interaction.id == LabelCorrection.interaction_id)
        .order_by(LabelCorrection.created_at.desc(), LabelCorrection.id.desc())
        .limit(limit)
    )
    return [(c, i) for c, i in rows]
