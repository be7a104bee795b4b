"""`crm db upgrade` and `crm users create`: the schema and the people who sign in."""

from __future__ import annotations

import getpass
import secrets
import sys

import click

from cli.common import load_settings as _settings


@click.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database (DATABASE_URL) to the newest schema."""
    from crm.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"Database is at {revision}: {_redact(settings.database_url)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group()
def users() -> None:
    """People who sign in."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "manager", "marketer", "viewer"]), default="viewer", show_default=True)
@click.option("--name", default="")
@click.option("--password", default=None, hidden=True, help="Deprecated: '-' reads stdin (use --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin (scripts, CI).")
@click.option("--generate-password", is_flag=True, help="Make up a password and print it once.")
def users_create(email: str, role: str, name: str, password: str | None, password_stdin: bool,
                 generate_password: bool) -> None:
    """Create a user who can sign in. Prompts for the password on a terminal; scripts pipe it in
    with --password-stdin (a password on the command line would show in `ps` and the shell history)."""
    from crm.errors import DomainError
    from crm.locale import Speaker
    from crm.users.services import create_user
    from listeners.runtime import configure, transaction

    settings = _settings()
    say = Speaker(settings.default_language, settings.default_timezone)
    configure(settings)
    if password_stdin or password == "-":
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None and generate_password:
        password = secrets.token_urlsafe(12)
    elif password is None and sys.stdin.isatty():
        password = getpass.getpass(say._("Password (at least 8 characters): "))
        if getpass.getpass(say._("The same password again: ")) != password:
            raise click.ClickException(say._("The two passwords differ; nothing was created."))
    elif password is None:
        raise click.ClickException(say._(
            "stdin is not a terminal, so there is no prompt: pipe the password in with --password-stdin, "
            "or pass --generate-password."))
    try:
        with transaction() as s:
            user = create_user(s, email=email, password=password or "", role=role, name=name)
            user_id = user.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(say._("Created user %(id)s: %(email)s (%(role)s)", id=user_id, email=email, role=role))
    if generate_password:
        click.echo(say._("Password: %(password)s", password=password))
