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
@click.option("--lead", "lead_identity_id", type=int, default=None,
              help="Identity id whose name and picture the member shows (default: the fullest name).")
def merge(keep_id: int, merge_ids: tuple[int, ...], reason: str, lead_identity_id: int | None) -> None:
    """Merge MERGE_IDS into KEEP_ID (undo with `crm members unmerge`)."""
    from crm.errors import DomainError
    from crm.identities import services

    try:
        with _transaction() as s:
            audit = services.merge(s, keep_id=keep_id, merge_ids=list(merge_ids), actor_id=None, reason=reason,
                                   lead_identity_id=lead_identity_id)
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
    """Import profile facts (JSONL: platform, external_id, bio, website, links, email, email_verified).

    A bad line is skipped with its line number and reason; the others are stored.
    """
    from crm.errors import DomainError
    from crm.identities import services

    items, skipped = [], []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    items.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    skipped.append((n, f"not JSON ({exc.msg})"))
    try:
        with _transaction() as s:
            ids, problems = services.import_identity_profiles(s, items)
            r = services.update_suggestions(s, ids)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for n, reason in sorted(skipped + problems):
        click.echo(f"  skipped line {n}: {reason}", err=True)
    click.echo(f"{len(ids):,} profiles updated, {len(skipped) + len(problems):,} lines skipped: "
               f"{r.created:,} new suggestions, {len(r.auto_merges):,} automatic merges")


def _member_label(m: object) -> str:
    idents = getattr(m, "identities", [])
    return ", ".join(f"{i.platform}:{i.handle}" for i in idents[:3]) or f"#{getattr(m, 'id', '?')}"


@members.command("suggestions")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per suggestion.")
@click.option("--snoozed", is_flag=True, help="The snoozed ones instead of those to review.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1)
def suggestions_command(as_json: bool, snoozed: bool, limit: int, page: int) -> None:
    """List merge suggestions, best first, with their score and evidence."""
    from crm.identities import services

    with _transaction() as s:
        result = services.list_suggestions(s, page=page, per_page=limit, snoozed=snoozed)
        rows = [{
            "id": v.suggestion.id, "score": v.suggestion.score, "status": v.suggestion.status,
            "snoozed_until": v.suggestion.snoozed_until.isoformat() if v.suggestion.snoozed_until else None,
            "member_a": {"id": v.a.id, "name": v.a.display_name, "accounts": _member_label(v.a)},
            "member_b": {"id": v.b.id, "name": v.b.display_name, "accounts": _member_label(v.b)},
            "evidence": v.suggestion.evidence,
        } for v in result.items]
        total = result.total
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False))
        return
    click.echo(f"{total:,} {'snoozed' if snoozed else 'to review'} (page {page})")
    for r in rows:
        a, b = r["member_a"], r["member_b"]
        click.echo(f"#{r['id']:<6} {r['score']:.2f}  {a['id']} {a['name']} [{a['accounts']}]  <->  "
                   f"{b['id']} {b['name']} [{b['accounts']}]")
        for e in r["evidence"]:
            click.echo(f"         {e['weight']:+.2f} {e['code']}: {e['text']}")


@members.command("log")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--member", "member_id", type=int, default=None, help="Only merges that kept this member.")
def log_command(as_json: bool, limit: int, member_id: int | None) -> None:
    """The merge log: merges and unmerges with their ids (undo one with `crm members unmerge ID`)."""
    from crm.identities import services

    with _transaction() as s:
        rows = [{
            "id": a.id, "action": a.action, "at": a.created_at.isoformat(), "kept_member_id": a.kept_member_id,
            "merged_member_ids": a.merged_member_ids, "method": a.method, "reason": a.reason,
            "undone_by_id": a.undone_by_id, "undoes_id": a.undoes_id,
        } for a in services.list_audit(s, per_page=limit, member_id=member_id).items]
    for r in rows:
        if as_json:
            click.echo(json.dumps(r, ensure_ascii=False))
            continue
        undone = f" (undone by #{r['undone_by_id']})" if r["undone_by_id"] else ""
        undoes = f" (undoes #{r['undoes_id']})" if r["undoes_id"] else ""
        merged = ", ".join(map(str, r["merged_member_ids"]))
        click.echo(f"#{r['id']:<6} {r['at'][:19]} {r['action']:<7} {merged} into {r['kept_member_id']} "
                   f"by {r['method']}{undone}{undoes} {r['reason']}".rstrip())


@members.command("rules")
@click.option("--json", "as_json", is_flag=True)
@click.option("--on", "switch_on", multiple=True, help="Switch a rule on (admin).")
@click.option("--off", "switch_off", multiple=True, help="Switch a rule off (admin).")
def rules_command(as_json: bool, switch_on: tuple[str, ...], switch_off: tuple[str, ...]) -> None:
    """The automatic-merge rules (on/off), the suggestion threshold and the evidence weights."""
    from crm.errors import DomainError
    from crm.identities import matching, services
    from crm.identities.models import RULES

    try:
        with _transaction() as s:
            for name in switch_on:
                services.set_rule(s, name, True, actor_id=None)
            for name in switch_off:
                services.set_rule(s, name, False, actor_id=None)
            state = services.rules(s)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps({"threshold": matching.DEFAULT_THRESHOLD, "rules": state, "weights": matching.WEIGHTS}))
        return
    click.echo(f"Suggestions are shown from score {matching.DEFAULT_THRESHOLD:.2f}.")
    click.echo("Automatic merges (never with negative evidence, team or much-linked accounts):")
    for name, on in state.items():
        click.echo(f"  [{'on ' if on else 'off'}] {name}: {RULES[name]}")
    click.echo("Evidence weights (scaled by rarity):")
    for code, w in matching.WEIGHTS.items():
        click.echo(f"  {w:+.2f} {code}")


@members.command("dismiss")
@click.argument("suggestion_id", type=int)
@click.option("--reason", default="")
def dismiss_command(suggestion_id: int, reason: str) -> None:
    """Not the same person: the pair is never suggested again."""
    from crm.errors import DomainError
    from crm.identities import services

    try:
        with _transaction() as s:
            services.dismiss_suggestion(s, suggestion_id, actor_id=None, reason=reason)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Dismissed suggestion #{suggestion_id}")


@members.command("snooze")
@click.argument("suggestion_id", type=int)
@click.option("--days", type=int, default=30, show_default=True)
def snooze_command(suggestion_id: int, days: int) -> None:
    """Hide a suggestion for DAYS; it comes back afterwards."""
    from crm.errors import DomainError
    from crm.identities import services

    try:
        with _transaction() as s:
            until = services.snooze_suggestion(s, suggestion_id, days=days).snoozed_until
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Snoozed suggestion #{suggestion_id} until {until:%Y-%m-%d}")


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
