"""What identity matching reads from the database: each identity's features (names, handles, links, e-mails, activity hours and languages), how many identities hold a key, our team's identities, platform counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from crm.db import chunks, dialect_name
from crm.identities import matching
from crm.identities.models import IdentityMatchKey
from crm.inbox.models import TeamAccount
from crm.interactions.models import Interaction
from crm.members.models import Identity

CHUNK = 500


PER_PLATFORM = ("N:", "P:")  # counted per platform: the most holders of "n:"/"p:" on one platform


FEATURE_COLUMNS = (
    Identity.id, Identity.member_id, Identity.platform, Identity.handle, Identity.display_name,
    Identity.profile_url, Identity.avatar_url, Identity.bio, Identity.website, Identity.links,
    Identity.email, Identity.email_verified,
)


def team_identities(session: Session) -> set[int]:
    """Our own accounts (crm/inbox TeamAccount), by identity: never suggested, never merged.

    Team accounts not linked to an identity yet are found by platform and handle.
    """
    from crm.identities.normalise import handle_local

    out: set[int] = set()
    unlinked: set[tuple[str, str]] = set()
    for identity_id, platform, handle in session.execute(
        select(TeamAccount.identity_id, TeamAccount.platform, TeamAccount.handle)
    ):
        if identity_id is not None:
            out.add(identity_id)
        unlinked.add((platform, handle_local(platform, handle)[0]))
    for platform, local in unlinked:
        out.update(session.scalars(select(Identity.id).where(
            Identity.platform == platform,
            func.lower(Identity.handle).in_((local, "@" + local, "u/" + local)) | func.lower(Identity.handle).like(f"@{local}@%"),
        )))
    return out


def load_features(session: Session, identity_ids: Collection[int] | None = None) -> dict[int, matching.Features]:
    """Matching features of the given identities (all when None), without activity."""
    out: dict[int, matching.Features] = {}
    if identity_ids is None:
        for row in session.execute(select(*FEATURE_COLUMNS).execution_options(yield_per=5000)):
            out[row.id] = matching.features(row)
        return out
    for chunk in chunks(sorted(identity_ids), CHUNK):
        for row in session.execute(select(*FEATURE_COLUMNS).where(Identity.id.in_(chunk))):
            out[row.id] = matching.features(row)
    return out


def count_keys(session: Session, keys: Collection[str], known: dict[str, int] | None = None) -> dict[str, int]:
    """How many identities hold each key (from the key table), for rarity.

    "N:<name>" (and "P:<sound>") is the most identities holding the name "n:<name>" (the
    sound "p:<sound>") on any one platform.
    """
    kt = cast(Table, IdentityMatchKey.__table__)
    it = cast(Table, Identity.__table__)
    out = dict(known or {})
    wanted = sorted({k for k in keys if k not in out and not k.startswith(PER_PLATFORM)})
    for key_chunk in chunks(wanted, CHUNK):
        out.update(session.execute(select(kt.c.key, func.count()).where(kt.c.key.in_(key_chunk)).group_by(kt.c.key)).all())
    names = sorted({k[0].lower() + k[1:] for k in keys if k.startswith(PER_PLATFORM) and k not in out})
    for key_chunk in chunks(names, CHUNK):
        for k, _platform, n in session.execute(
            select(kt.c.key, it.c.platform, func.count()).join(it, it.c.id == kt.c.identity_id)
            .where(kt.c.key.in_(key_chunk)).group_by(kt.c.key, it.c.platform)
        ):
            big = k[0].upper() + k[1:]
            out[big] = max(out.get(big, 0), n)
    return out


def load_activity(session: Session, feats: dict[int, matching.Features]) -> None:
    """Fill threads, languages and hours of day (UTC, one bin per hour) from the interactions."""
    x = cast(Table, Interaction.__table__)
    hour: Any
    if dialect_name(session) == "postgresql":
        hour = func.extract("hour", func.timezone("UTC", x.c.occurred_at))
    else:
        hour = func.strftime("%H", x.c.occurred_at)
    ids = sorted(feats)
    for chunk in chunks(ids, CHUNK):
        for iid, lang, n in session.execute(
            select(x.c.identity_id, x.c.language, func.count()).where(x.c.identity_id.in_(chunk))
            .group_by(x.c.identity_id, x.c.language)
        ):
            if lang:
                feats[iid].languages[lang] += n
        for iid, h, n in session.execute(
            select(x.c.identity_id, hour, func.count()).where(x.c.identity_id.in_(chunk))
            .group_by(x.c.identity_id, hour)
        ):
            feats[iid].hours[int(h) % 24] += n
        for iid, platform, thread in session.execute(
            select(x.c.identity_id, x.c.platform, x.c.thread_external_id).distinct()
            .where(x.c.identity_id.in_(chunk), x.c.thread_external_id.is_not(None))
        ):
            feats[iid].threads.add(f"{platform}:{thread}")


def identity_ids_of_members(session: Session, member_ids: Collection[int]) -> list[int]:
    """The identities of these members (to feed :func:`update_suggestions`)."""
    out: list[int] = []
    for chunk in chunks(sorted(member_ids), CHUNK):
        out.extend(session.scalars(select(Identity.id).where(Identity.member_id.in_(chunk))))
    return out


def platform_counts(session: Session) -> Counter:
    """Identities per platform (for the rules page)."""
    return Counter(dict(session.execute(select(Identity.platform, func.count()).group_by(Identity.platform)).all()))
