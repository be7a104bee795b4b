"""`crm privacy ...`: retention (settings, dry-run, run), the suppression list, the audit log."""

from __future__ import annotations

import getpass

import click


def _transaction():  # type: ignore[no-untyped-def]
    from cli.common import load_settings
    from listeners.runtime import configure, transaction

    configure(load_settings())
    return transaction()


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.group()
def privacy() -> None:
    """GDPR: retention policies, the suppression list, the privacy audit log."""


@privacy.command("retention")
@click.option("--set", "set_", metavar="SCOPE=DAYS", multiple=True,
              help="platform:reddit=30, source:3=90, uploads=14, exports=7; DAYS 'off' removes the policy.")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted now.")
@click.option("--run", "run_now", is_flag=True, help="Apply every policy now (else the daily job does).")
def retention_command(set_: tuple[str, ...], dry_run: bool, run_now: bool) -> None:
    """Show, change, preview or apply the retention policies."""
    from crm.errors import DomainError
    from crm.privacy import retention

    try:
        for item in set_:
            scope, _, days = item.partition("=")
            kind, _, value = scope.partition(":")
            if not days:
                raise click.ClickException(f"{item!r}: write SCOPE=DAYS, e.g. platform:reddit=30")
            if days != "off" and not days.isdigit():
                raise click.ClickException(f"{item!r}: DAYS is a whole number or 'off'")
            with _transaction() as s:
                retention.set_policy(s, scope_kind=kind, scope_value=value, days=None if days == "off" else int(days),
                                     actor=_actor(), channel="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    with _transaction() as s:
        rows = retention.preview(s)
        lines = [(r.policy.id, r.label, r.policy.days, r.count, r.cutoff) for r in rows]
    if not lines:
        click.echo("No retention policies: everything is kept.")
    for pid, label, days, count, cutoff in lines:
        verb = "would delete" if not run_now else "deletes"
        click.echo(f"#{pid} {label}: keep {days} days; {verb} {count:,} (older than {cutoff:%Y-%m-%d %H:%M} UTC)")
    if run_now and not dry_run:
        from listeners.privacy import run_retention

        done = run_retention(force=True)
        click.echo(f"Deleted {sum(done.values()):,} in all.")


@privacy.command("unsuppress")
@click.option("--platform", required=True)
@click.option("--id", "external_id", default="", help="The account's id on the platform.")
@click.option("--handle", default="")
def unsuppress_command(platform: str, external_id: str, handle: str) -> None:
    """Take an account off the suppression list: its items are collected again."""
    from crm.errors import DomainError
    from crm.privacy.audit import record
    from crm.privacy.suppression import unsuppress

    try:
        with _transaction() as s:
            n = unsuppress(s, platform=platform, external_id=external_id, handle=handle)
            record(s, "unsuppress", actor=_actor(), channel="cli", subject=f"{platform} account", detail={"entries": n})
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Removed {n} suppression entr{'y' if n == 1 else 'ies'}.")


@privacy.command("log")
@click.option("--limit", default=50, show_default=True)
def log_command(limit: int) -> None:
    """The privacy audit log, newest first."""
    from crm.privacy.audit import list_audit

    with _transaction() as s:
        for a in list_audit(s, limit=limit):
            click.echo(f"#{a.id} {a.created_at:%Y-%m-%d %H:%M} {a.action} {a.subject} by {a.actor} ({a.channel}) {a.detail or ''}")
