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
@click.option("--password", default=None, help="Prompted for when omitted (or read from stdin with -).")
def users_create(email: str, role: str, name: str, password: str | None) -> None:
    """Create a user who can sign in."""
    from crm.errors import DomainError
    from crm.users.services import create_user
    from listeners.runtime import configure, transaction

    configure(_settings())
    if password == "-":
        password = sys.stdin.readline().rstrip("\n")
    elif password is None:
        password = getpass.getpass("Password (at least 8 characters): ") if sys.stdin.isatty() else None
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        with transaction() as s:
            user = create_user(s, email=email, password=password, role=role, name=name)
            user_id = user.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created user {user_id}: {email} ({role})")
    if generated:
        click.echo(f"Password: {password}")
