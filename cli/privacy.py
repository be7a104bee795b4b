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


def _speaker():  # type: ignore[no-untyped-def]
    """Messages in DEFAULT_LANGUAGE, times in DEFAULT_TIMEZONE (the CLI has no user)."""
    from cli.common import load_settings
    from crm.locale import Speaker

    settings = load_settings()
    return Speaker(settings.default_language, settings.default_timezone)


def _policy_label(say, policy, source_names: dict[int, str]) -> str:  # type: ignore[no-untyped-def]
    """A policy's scope in words, as the retention page says it."""
    kind, value = policy.scope_kind, policy.scope_value
    if kind == "platform":
        return say._("Interactions on %(platform)s", platform=value)
    if kind == "source":
        name = source_names.get(int(value)) if value.isdigit() else None
        return say._("Interactions from %(source)s", source=name or say._("source #%(id)s", id=value))
    return say._("Uploaded import files") if kind == "uploads" else say._("Export files")


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
    from sqlalchemy import select

    from crm.errors import DomainError
    from crm.privacy import retention
    from crm.sources.models import Source

    say = _speaker()
    try:
        for item in set_:
            scope, _, days = item.partition("=")
            kind, _, value = scope.partition(":")
            if not days:
                raise click.ClickException(say._("%(item)s: write SCOPE=DAYS, e.g. platform:reddit=30", item=repr(item)))
            if days != "off" and not days.isdigit():
                raise click.ClickException(say._("%(item)s: DAYS is a whole number or 'off'", item=repr(item)))
            with _transaction() as s:
                retention.set_policy(s, scope_kind=kind, scope_value=value, days=None if days == "off" else int(days),
                                     actor=_actor(), channel="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    with _transaction() as s:
        rows = retention.preview(s)
        names = dict(s.execute(select(Source.id, Source.name)).tuples().all())
        lines = [(r.policy.id, _policy_label(say, r.policy, names), r.policy.days, r.count, r.cutoff) for r in rows]
    if not lines:
        click.echo(say._("No policies: everything is kept."))
    for pid, label, days, count, cutoff in lines:
        keep = say.n_("keep %(num)s day", "keep %(num)s days", days)
        what = (say.n_("deletes %(num)s older than %(cutoff)s", "deletes %(num)s older than %(cutoff)s", count,
                       cutoff=say.when(cutoff)) if run_now else
                say.n_("would delete %(num)s older than %(cutoff)s", "would delete %(num)s older than %(cutoff)s",
                       count, cutoff=say.when(cutoff)))
        click.echo(f"#{pid} {label}: {keep}; {what}")
    if run_now and not dry_run:
        from listeners.privacy import run_retention

        done = run_retention(force=True)
        click.echo(say.n_("Deleted %(num)s in all.", "Deleted %(num)s in all.", sum(done.values())))


@privacy.command("unsuppress")
@click.option("--platform", required=True)
@click.option("--id", "external_id", default="", help="The account's id on the platform.")
@click.option("--handle", default="")
def unsuppress_command(platform: str, external_id: str, handle: str) -> None:
    """Take an account off the suppression list: its items are collected again."""
    from crm.errors import DomainError
    from crm.privacy.audit import record
    from crm.privacy.suppression import unsuppress

    say = _speaker()
    try:
        with _transaction() as s:
            n = unsuppress(s, platform=platform, external_id=external_id, handle=handle)
            record(s, "unsuppress", actor=_actor(), channel="cli", subject=f"{platform} account", detail={"entries": n})
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(say.n_("Removed %(num)s suppression entry.", "Removed %(num)s suppression entries.", n))


@privacy.command("log")
@click.option("--limit", default=50, show_default=True)
def log_command(limit: int) -> None:
    """The privacy audit log, newest first."""
    from crm.privacy.audit import list_audit

    say = _speaker()
    with _transaction() as s:
        for a in list_audit(s, limit=limit):
            who = say._("%(action)s %(subject)s by %(actor)s (%(channel)s)", action=say._(a.action), subject=a.subject,
                        actor=a.actor, channel=say._(a.channel))
            click.echo(f"#{a.id} {say.when(a.created_at)} {who} {a.detail or ''}".rstrip())
