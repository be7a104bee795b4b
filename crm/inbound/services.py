"""Inbound (push) sources: create them, check a request's token or signature, ingest a batch.

Token: ``Authorization: Bearer <token>``; we keep only its SHA-256, so it is shown once.
Signature: ``X-CRM-Source: <source id>``, ``X-CRM-Timestamp: <Unix seconds>`` and
``X-CRM-Signature: sha256=<hex HMAC-SHA256(signing secret, "<timestamp>." + raw body)>``.
A timestamp more than ``MAX_SKEW`` seconds away from our clock is refused, and every accepted
signature is remembered for twice that long, so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.base import Mention
from crm.db import utcnow
from crm.errors import Conflict, InvalidInput, NotFound, Unauthorized
from crm.inbound.models import InboundCredential, UsedSignature
from crm.ingest import Rejected, ingest_batch
from crm.interactions.validation import validation_error
from crm.sources.models import PollRun, Source

PLATFORM = KIND = "inbound"
TOKEN_PREFIX = "crm_in_"
MAX_SKEW = 300  # seconds: a signed request older (or newer) than this is refused
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class NewCredentials:
    """What is shown to the person who created or rotated an inbound source."""

    source: Source
    token: str
    signing_secret: str


@dataclass
class ItemResult:
    """What became of one item of a batch; ``index`` is its position in the request."""

    index: int
    status: str  # "new", "duplicate" or "quarantined"
    platform: str | None = None
    external_id: str | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The item's line in the API answer."""
        out: dict[str, Any] = {"index": self.index, "status": self.status,
                               "platform": self.platform, "external_id": self.external_id}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class BatchReport:
    """The answer to one batch: counts and one result per item, in request order."""

    items: list[ItemResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many items ended as ``status``."""
        return sum(1 for i in self.items if i.status == status)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def derive_signing_secret(app_secret: str, salt: str) -> str:
    """The HMAC secret of a source: recomputed from SECRET_KEY and the stored salt."""
    return hmac.new(app_secret.encode(), f"inbound-signing:{salt}".encode(), hashlib.sha256).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def credential_of(session: Session, source_id: int) -> InboundCredential:
    """The credentials of an inbound source, or NotFound."""
    cred = session.scalars(select(InboundCredential).where(InboundCredential.source_id == source_id)).first()
    if cred is None:
        raise NotFound(f"Source {source_id} is not an inbound API source.")
    return cred


def create_inbound_source(
    session: Session, *, name: str, app_secret: str, user_id: int | None = None
) -> NewCredentials:
    """A new inbound source with a fresh token and signing secret (never polled)."""
    name = name.strip() or "Inbound API"
    source = Source(
        name=name[:200], platform=PLATFORM, kind=KIND, query="", interval_seconds=0,
        enabled=True, status="new", status_reason="Waiting for the first batch.",
        next_poll_at=None, backfill_hours=0, created_by_id=user_id,
    )
    session.add(source)
    session.flush()
    token, salt = _new_token(), secrets.token_hex(16)
    session.add(InboundCredential(source_id=source.id, token_hash=_sha256(token),
                                  token_hint=token[: len(TOKEN_PREFIX) + 4], signing_salt=salt))
    session.flush()
    return NewCredentials(source, token, derive_signing_secret(app_secret, salt))


def rotate_credentials(session: Session, source_id: int, *, app_secret: str) -> NewCredentials:
    """Replace a source's token and signing secret; the old ones stop working at once."""
    cred = credential_of(session, source_id)
    token, salt = _new_token(), secrets.token_hex(16)
    cred.token_hash, cred.token_hint, cred.signing_salt = _sha256(token), token[: len(TOKEN_PREFIX) + 4], salt
    cred.rotated_at = utcnow()
    session.flush()
    source = session.get(Source, source_id)
    assert source is not None
    return NewCredentials(source, token, derive_signing_secret(app_secret, salt))


def signing_secret_of(session: Session, source_id: int, *, app_secret: str) -> str:
    """The current signing secret of an inbound source (for managers to copy)."""
    return derive_signing_secret(app_secret, credential_of(session, source_id).signing_salt)


def _usable(source: Source | None) -> Source:
    if source is None:
        raise Unauthorized("Unknown inbound source.")
    if not source.enabled:
        raise Unauthorized(f"The inbound source {source.name!r} is paused; resume it to accept data.")
    return source


def authenticate_token(session: Session, token: str) -> Source:
    """The inbound source a bearer token belongs to, or Unauthorized."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized("The bearer token is not an inbound API token (they start with 'crm_in_').")
    cred = session.scalars(
        select(InboundCredential).where(InboundCredential.token_hash == _sha256(token))
    ).first()
    if cred is None:
        raise Unauthorized("The bearer token is wrong or was rotated.")
    return _usable(session.get(Source, cred.source_id))


def authenticate_signature(
    session: Session, *, source_id: str, timestamp: str, signature: str, body: bytes,
    app_secret: str, now: datetime | None = None,
) -> Source:
    """The source whose secret signed ``timestamp.body``; refuses stale and replayed signatures.

    The signature is remembered in the caller's transaction: if the batch is rolled back, the
    sender may retry with the same signature.
    """
    now = now or utcnow()
    if not source_id.strip().isdigit():
        raise Unauthorized("X-CRM-Source must be the numeric id of the inbound source.")
    try:
        ts = int(timestamp.strip())
    except ValueError:
        raise Unauthorized("X-CRM-Timestamp must be a Unix time in whole seconds.") from None
    age = now.timestamp() - ts
    if abs(age) > MAX_SKEW:
        raise Unauthorized(
            f"The signature timestamp is {int(abs(age))} s {'old' if age > 0 else 'in the future'}; "
            f"at most {MAX_SKEW} s are accepted. Sign each request when you send it."
        )
    given = signature.strip()
    if given.lower().startswith(SIGNATURE_PREFIX):
        given = given[len(SIGNATURE_PREFIX):]
    source = session.get(Source, int(source_id))
    cred = session.scalars(
        select(InboundCredential).where(InboundCredential.source_id == int(source_id))
    ).first() if source is not None else None
    if cred is None:
        raise Unauthorized("Unknown inbound source.")
    secret = derive_signing_secret(app_secret, cred.signing_salt)
    expected = hmac.new(secret.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise Unauthorized("The signature does not match: sign '<timestamp>.<raw body>' with HMAC-SHA256.")
    _usable(source)
    session.execute(delete(UsedSignature).where(UsedSignature.seen_at < now - timedelta(seconds=2 * MAX_SKEW)))
    try:
        with session.begin_nested():
            session.add(UsedSignature(digest=_sha256(expected), source_id=int(source_id), seen_at=now))
    except IntegrityError:
        raise Conflict("This signature was used before (a replayed request); sign each request anew.") from None
    return source  # type: ignore[return-value]


def receive_batch(
    session: Session, source: Source, parsed: Sequence[tuple[int, Mention | Rejected]]
) -> BatchReport:
    """Ingest one batch through the ingest path and say what became of every item.

    ``parsed`` holds each item's request index and its Mention, or a Rejected when it did not
    parse. Never commits; the caller commits and then kicks the follow-ups.
    """
    if source.platform != PLATFORM:
        raise InvalidInput("Only inbound API sources accept pushed data.")
    now = utcnow()
    origin = f"inbound:{source.id}"
    report = BatchReport([ItemResult(i, "new") for i, _ in parsed])
    mentions: list[Mention] = []
    rejected: list[Rejected] = []
    owner: dict[tuple[str, str], int] = {}  # the first item of each key in this batch
    pending: list[tuple[int, tuple[str, str]]] = []
    for pos, (_, item) in enumerate(parsed):
        line = report.items[pos]
        if isinstance(item, Rejected):
            line.status, line.reason = "quarantined", item.reason
            line.platform, line.external_id = item.platform, item.external_id
            rejected.append(item)
            continue
        line.platform, line.external_id = item.platform, item.external_id
        reason = validation_error(item, now)
        if reason:  # ingest_batch quarantines it with the same reason
            line.status, line.reason = "quarantined", reason
        else:
            key = (item.platform, item.external_id.strip())
            line.external_id = key[1]
            if key in owner:
                line.status = "duplicate"
            else:
                owner[key] = pos
                pending.append((pos, key))
        mentions.append(item)
    result = ingest_batch(session, mentions, source_id=source.id, origin=origin, rejected=rejected)
    for pos, key in pending:
        if key not in result.new_keys:
            report.items[pos].status = "duplicate"
    _record_batch(session, source, len(parsed), result.new, result.duplicate, result.quarantined, now)
    return report


def _record_batch(
    session: Session, source: Source, fetched: int, new: int, duplicates: int, quarantined: int, now: datetime
) -> None:
    """A poll record per batch, so the source page shows pushes like polls."""
    source.items_collected += new
    source.last_polled_at = now
    source.status, source.status_reason = "ok", None
    run = PollRun(source_id=source.id, started_at=now, finished_at=utcnow(), outcome="ok",
                  fetched=fetched, new=new, duplicates=duplicates, quarantined=quarantined)
    run.duration_ms = int((run.finished_at - now).total_seconds() * 1000) if run.finished_at else 0
    session.add(run)
