"""What makes an incident watch, warning or crisis, and the sentence that says why.

The detector grades a spike by volume alone (the 30-minute level against its seasonal
baseline, see types.Params): watch at 4.5x usual, warning at 7.5x, crisis at 15x, each also
needing enough robust sigmas and enough mentions. Who is talking and how counts too, so each
of these raises the grade by one step (up to crisis):

- mostly negative: at least half of the spike's mentions are negative;
- wide reach: the people posting in the spike have 100,000 followers or more together;
- spread: the spike runs on two platforms or more.

Read from the spike's interactions (team accounts left out) when an incident opens, escalates
or re-opens, never per bucket. The rule page documents the same table (RULES below).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.alerts.explain import people_in_window, spike_window
from crm.alerts.models import Alert
from crm.alerts.types import Params, Severity
from crm.interactions.models import Interaction
from crm.members.models import Identity
from crm.sentiment import NOT_SCORED

NEGATIVE_SHARE = 0.5
REACH = 100_000
PLATFORMS = 2

RULES = (
    ("watch", "the 30-minute volume is at least {0[0]:g}x its usual level for that time of day "
     "and week, at least {1[0]:g} robust sigmas above it, and at least {2} mentions"),
    ("warning", "at least {0[1]:g}x usual, {1[1]:g} sigmas and {3} mentions, or a watch with one "
     "of the factors below"),
    ("crisis", "at least {0[2]:g}x usual, {1[2]:g} sigmas and {4} mentions, or a warning with one "
     "factor, or a watch with two"),
)
FACTORS = (
    # "percent", not "%": a '%' in a message reads as a format placeholder to the translation tools.
    f"mostly negative: at least {NEGATIVE_SHARE * 100:.0f} percent of the spike's mentions are negative",
    f"wide reach: the people posting have {REACH:,} followers or more together",
    f"spread: the spike runs on {PLATFORMS} platforms or more",
)


def rule_table(params: Params | None = None) -> list[tuple[str, str]]:
    """(severity, what makes it) with the numbers of the detector's settings."""
    p = params or Params()
    volumes = [p.min_volume * m for m in p.volume_multipliers]
    z = [p.z_for(s) for s in Severity]
    return [(name, text.format(p.ratio_thresholds, z, *volumes)) for name, text in RULES]


@dataclass(frozen=True)
class Impact:
    """Who and where: the spike's mentions, negative ones, people's reach and platforms.

    ``scored`` counts the mentions with a sentiment: the negative share is of those, so posts
    in a language without an analyzer do not dilute it.
    """

    mentions: int
    negative: int
    reach: int
    platforms: int
    scored: int

    def factors(self) -> list[str]:
        """The aggravating factors that hold, in words."""
        out = []
        if self.scored and self.negative / self.scored >= NEGATIVE_SHARE:
            out.append(f"{self.negative / self.scored:.0%} negative")
        if self.reach >= REACH:
            out.append(f"reach {self.reach:,} followers")
        if self.platforms >= PLATFORMS:
            out.append(f"on {self.platforms} platforms")
        return out


def impact(session: Session, alert: Alert) -> Impact | None:
    """The impact of a spike from its interactions; None if its scope cannot be read."""
    start, end = spike_window(alert)
    restrict = people_in_window(session, alert.rule, start, end)
    if restrict is None:
        return None
    negative = func.sum(case((Interaction.sentiment_label == "negative", 1), else_=0))
    scored = func.sum(case((Interaction.sentiment_label != NOT_SCORED, 1), else_=0))
    mentions, neg, platforms, with_score = session.execute(
        restrict(select(
            func.count(), func.coalesce(negative, 0), func.count(Interaction.platform.distinct()),
            func.coalesce(scored, 0),
        ))
    ).one()
    people = restrict(select(Interaction.identity_id).distinct()).subquery()
    reach = session.scalar(
        select(func.coalesce(func.sum(Identity.followers), 0)).where(Identity.id.in_(select(people)))
    )
    return Impact(int(mentions), int(neg), int(reach or 0), int(platforms), int(with_score))


def assess(volume: Severity, found: Impact | None) -> tuple[Severity, str]:
    """The grade with the factors, and the sentence: "crisis because 7.9x usual volume, ..."."""
    factors = found.factors() if found is not None else []
    grade = Severity(min(int(Severity.CRISIS), int(volume) + len(factors)))
    reasons = [f"{volume} by volume", *factors]
    return grade, f"{grade} because " + ", ".join(reasons)
