"""``crm inbox ...``: backfill triage, team accounts, the periodic due work (for cron)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click


@click.group()
def inbox() -> None:
    """The community inbox."""


def _configure() -> None:
    from cli.common import load_settings as _settings
    from listeners.runtime import configure

    configure(_settings())


@inbox.command("triage")
@click.option("--all", "everything", is_flag=True, help="Every interaction (run once after upgrading).")
@click.option("--days", type=click.IntRange(1, 36500), default=None, help="Only interactions of the last N days.")
@click.option("--batch", type=click.IntRange(100, 20000), default=2000, show_default=True)
def triage(everything: bool, days: int | None, batch: int) -> None:
    """Put existing interactions that need a human into the inbox (idempotent; resumable)."""
    from crm.db import utcnow
    from listeners.inbox import triage_backlog

    if not everything and days is None:
        raise click.UsageError("Say which interactions: --all, or --days N.")
    _configure()
    since = utcnow() - timedelta(days=days) if days else None

    def progress(totals: Any) -> None:
        click.echo(f"\r{totals.seen:,} read, {totals.created:,} new items, {totals.auto_handled:,} answered by the team",
                   nl=False)

    triage_backlog(since, batch, progress)
    click.echo("")


@inbox.group("team")
def team() -> None:
    """Our own accounts (their replies answer threads; their posts are not members')."""


@team.command("add")
@click.argument("platform")
@click.argument("handle")
def team_add(platform: str, handle: str) -> None:
    """Declare PLATFORM HANDLE (e.g. ``reddit nimbus_team``) as one of our accounts."""
    from crm.errors import DomainError
    from crm.inbox import services
    from listeners.runtime import transaction

    _configure()
    try:
        with transaction() as s:
            a = services.add_team_account(s, platform=platform, handle=handle)
            seen = "seen posting" if a.identity_id else "not seen yet"
            text = f"@{a.handle} on {a.platform} is a team account ({seen})."
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(text)
    click.echo("Run `crm inbox triage --all` to apply it to what was collected before.")


@team.command("list")
def team_list() -> None:
    """List the team accounts."""
    from crm.inbox import services
    from listeners.runtime import transaction

    _configure()
    with transaction() as s:
        for a in services.list_team_accounts(s):
            click.echo(f"{a.platform:10} @{a.handle}{'' if a.identity_id else '  (not seen yet)'}")


@inbox.command("due")
def due() -> None:
    """Reopen items whose snooze ended and deliver due reminders (run every minute from cron)."""
    from listeners.inbox import run_due_work

    _configure()
    out = run_due_work()
    click.echo(f"{out['woke']} items woke up, {out['delivered']} reminders delivered")
