"""`crm files purge`: delete uploads and exports older than RETENTION_DAYS now."""

from __future__ import annotations

import click

from cli.common import load_settings as _settings


@click.group()
def files() -> None:
    """Uploaded import files and export files in DATA_DIR."""


@files.command("purge")
@click.option("--days", type=click.IntRange(0, 3650), default=None,
              help="Keep files this many days (default: RETENTION_DAYS). 0 deletes nothing.")
def files_purge(days: int | None) -> None:
    """Delete upload and export files finished more than RETENTION_DAYS ago."""
    from listeners.retention import purge_files
    from listeners.runtime import configure, transaction

    settings = _settings()
    configure(settings)
    keep = settings.retention_days if days is None else days
    with transaction() as session:
        done = purge_files(session, settings.data_dir, keep)
    click.echo(f"Deleted {done.uploads} uploads, {done.exports} exports and {done.orphans} stray files "
               f"older than {keep} days." if keep else "Retention is off (0 days): nothing deleted.")
