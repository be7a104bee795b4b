"""`crm members ...`: merge suggestions, merges and unmerges, mapping files and profile imports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click


def _configure() -> None:
    from cli.common import load_settings as _settings
    from listeners.runtime import configure

    configure(_settings())


def _transaction():  # type: ignore[no-untyped-def]
    from listeners.runtime import transaction

    _configure()
    return transaction()


@click.group()
def members() -> None:
    """Members across channels: merge suggestions, merges, unmerges."""


@members.command("suggest")
@click.option("--rebuild", is_flag=True, help="Recompute every suggestion from scratch (else: only pending keys).")
@click.option("--no-auto", is_flag=True, help="Do not apply the automatic-merge rules.")
def suggest(rebuild: bool, no_auto: bool) -> None:
    """Compute merge suggestions (and apply the automatic-merge rules that are on)."""
    from sqlalchemy import select

    from crm.identities.models import IdentityMatchKey
    from crm.identities.suggestions import rebuild_suggestions, update_suggestions
    from crm.members.models import Identity

    with _transaction() as s:
        if rebuild:
            r = rebuild_suggestions(s, auto_merge=not no_auto)
        else:
            # Identities that were never keyed: new since the last run.
            keyed = select(IdentityMatchKey.identity_id)
            ids = list(s.scalars(select(Identity.id).where(Identity.id.not_in(keyed))))
            r = update_suggestions(s, ids, auto_merge=not no_auto)
    click.echo(f"{r.identities:,} identities, {r.pairs:,} pairs scored: {r.created:,} new suggestions, "
               f"{r.updated:,} updated, {r.removed:,} removed, {len(r.auto_merges):,} automatic merges")


@members.command("merge")
@click.argument("keep_id", type=int)
@click.argument("merge_ids", type=int, nargs=-1, required=True)
@click.option("--reason", default="", help="Kept in the merge log.")
def merge(keep_id: int, merge_ids: tuple[int, ...], reason: str) -> None:
    """Merge MERGE_IDS into KEEP_ID (undo with `crm members unmerge`)."""
    from crm.errors import DomainError
    from crm.identities import services

    try:
        with _transaction() as s:
            audit = services.merge(s, keep_id=keep_id, merge_ids=list(merge_ids), actor_id=None, reason=reason)
            audit_id = audit.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Merged {', '.join(map(str, merge_ids))} into {keep_id} (merge log #{audit_id})")


@members.command("unmerge")
@click.argument("audit_id", type=int)
@click.option("--reason", default="")
@click.option("--not-same", is_flag=True, help="Also remember: not the same person.")
def unmerge(audit_id: int, reason: str, not_same: bool) -> None:
    """Undo merge AUDIT_ID exactly (the id is in the merge log)."""
    from crm.errors import DomainError
    from crm.identities import services

    try:
        with _transaction() as s:
            undo = services.unmerge(s, audit_id, actor_id=None, reason=reason, not_same=not_same)
            undo_id = undo.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Undid merge #{audit_id} (log #{undo_id})")


@members.command("map")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def map_command(path: Path) -> None:
    """Merge the accounts listed in a CSV mapping file: platform,external_id,platform,external_id[,reason]."""
    from crm.errors import DomainError
    from crm.identities import services

    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    try:
        with _transaction() as s:
            audits, skipped = services.apply_mapping(s, rows, actor_id=None, filename=path.name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for msg in skipped:
        click.echo(f"  skipped {msg}", err=True)
    click.echo(f"{len(audits):,} merges, {len(skipped):,} lines skipped")


@members.command("profiles")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def profiles(path: Path) -> None:
    """Import profile facts (JSONL: platform, external_id, bio, website, links, email, email_verified)."""
    from crm.errors import DomainError
    from crm.identities import services

    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"line {n}: not JSON ({exc.msg})") from None
    try:
        with _transaction() as s:
            ids = services.update_identity_profiles(s, items)
            r = services.update_suggestions(s, ids)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{len(ids):,} profiles updated: {r.created:,} new suggestions, {len(r.auto_merges):,} automatic merges")


def _cli_actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


@members.command("erase")
@click.argument("member_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--reason", default="", help="Kept in the privacy log (e.g. the request's reference; no personal data).")
def erase(member_id: int, yes: bool, reason: str) -> None:
    """Erase MEMBER_ID and everything about them (GDPR Art. 17); they are suppressed from then on."""
    from crm.errors import DomainError
    from crm.privacy.erase import delete_files, erase_member, plan_erasure
    from listeners.webhooks import kick_deliveries

    try:
        with _transaction() as s:
            plan = plan_erasure(s, member_id)
        accounts = ", ".join(f"{p}:{h or x}" for p, x, h in plan.identities) or "no accounts"
        click.echo(f"Member {member_id} ({plan.display_name}): {accounts}; {plan.interactions:,} interactions, "
                   f"{plan.notes:,} notes, {plan.inbox_items:,} inbox items, {plan.merge_logs:,} merge log entries.")
        if not yes:
            click.confirm("Erase all of it for good?", abort=True)
        with _transaction() as s:
            report = erase_member(s, member_id, actor=_cli_actor(), channel="cli", reason=reason)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    removed = delete_files(report.files)
    kick_deliveries()
    c = report.counts
    click.echo(f"Erased member {member_id}: {c['interactions']:,} interactions, {c['identities']:,} accounts "
               f"({c['suppressed']:,} suppression entries), {c['quarantine']:,} quarantine rows, "
               f"{removed:,} files; privacy log #{report.audit_id}")


@members.command("access")
@click.argument("member_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["json", "zip"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (else stdout for JSON).")
def access(member_id: int, fmt: str, output: Path | None) -> None:
    """Export everything held about MEMBER_ID (GDPR Art. 15) as JSON or a ZIP (JSON + CSV)."""
    from crm.errors import DomainError
    from crm.privacy.access import export_access

    if fmt == "zip" and output is None:
        raise click.ClickException("A ZIP needs --output FILE.")
    try:
        with _transaction() as s:
            data, _mime, name = export_access(s, member_id, fmt=fmt, actor=_cli_actor(), channel="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if output is None:
        click.echo(data.decode("utf-8"))
    else:
        output.write_bytes(data)
        click.echo(f"Wrote {output} ({len(data):,} bytes; suggested name {name})", err=True)
