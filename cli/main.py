"""The ``crm`` command: database, users, imports, demo, serve, worker, scheduler."""

from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path

import click

from cli.alerts import alerts
from cli.common import load_settings as _settings
from cli.inbox import inbox
from cli.members import members


@click.group()
def cli() -> None:
    """Social CRM: everyone who talks about you, across every channel."""


@cli.group()
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


@cli.group()
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


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None, help="Default: from the file name.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_command(path: Path, fmt: str | None, quiet: bool) -> None:
    """Import mentions from a JSONL or CSV file (see README for the format)."""
    from connectors.files import EXTENSIONS
    from crm.imports import services
    from listeners.jobs import import_file
    from listeners.runtime import configure, transaction

    configure(_settings())
    fmt = fmt or next((f for ext, f in EXTENSIONS.items() if path.name.lower().endswith(ext)), None)
    if fmt is None:
        raise click.ClickException(f"Cannot tell the format of {path.name}: use --format jsonl or csv.")
    size = path.stat().st_size
    with transaction() as s:
        run_id = services.create_run(s, filename=path.name, fmt=fmt, stored_path=str(path.resolve()), total_bytes=size).id
    with click.progressbar(length=size, label=f"Importing {path.name}", show_percent=True, show_eta=True,
                           file=None if not quiet else open("/dev/null", "w")) as bar:  # noqa: SIM115
        done = [0]

        def progress(run: object) -> None:
            pos = getattr(run, "processed_bytes", 0)
            bar.update(pos - done[0])
            done[0] = pos

        import_file(run_id, on_progress=progress)
    from crm.imports.models import ImportRun

    with transaction() as s:
        run = s.get(ImportRun, run_id)
        assert run is not None
        for err in (run.errors or [])[:50]:
            where = f"line {err['line']}" if err.get("line") is not None else "batch"
            click.echo(f"  {where}: {err['reason']}", err=True)
        if run.quarantined_count > 50:
            click.echo(f"  … and more: see the quarantine ({run.quarantined_count} in all)", err=True)
        click.echo(
            f"{run.status}: {run.lines_read} lines, {run.new_count} new, {run.duplicate_count} duplicates, "
            f"{run.quarantined_count} quarantined"
        )
        if run.failure:
            raise click.ClickException(run.failure)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run web, dispatcher and inline jobs in one process (one machine, no Redis needed)."""
    from web import create_app

    app = create_app()
    _start_dispatcher(app)
    click.echo(f"Serving on http://{host}:{port}")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def _start_dispatcher(app: object) -> None:
    """Start the in-process poll dispatcher when the listeners provide one."""
    try:
        from listeners.dispatcher import start_in_background
    except ImportError:
        return
    start_in_background(app.extensions["job_queue"])  # type: ignore[attr-defined]


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the demo and exit.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create the SQLite database, load the demo data, create a demo login and serve."""
    from crm.migrate import upgrade
    from demo.loader import load_demo
    from listeners.runtime import configure

    settings = _settings()
    upgrade(settings.database_url)
    rt = configure(settings)
    email, password, loaded = load_demo(rt.session_factory)
    click.echo(loaded)
    if loaded.startswith("Loaded"):
        from datetime import UTC, datetime

        from demo.history import prepare_demo

        for line in prepare_demo(datetime.now(UTC)):
            click.echo(line)
    click.echo("")
    click.echo(f"  Sign in at http://{host}:{port}/login")
    click.echo(f"  E-mail:   {email}")
    click.echo(f"  Password: {password}")
    click.echo("")
    if not no_serve:
        serve.callback(host=host, port=port)  # type: ignore[misc]


@cli.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
def worker(burst: bool) -> None:
    """Run an RQ worker on the ingest, alerts and default queues."""
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set: without it jobs run inline in `crm serve`.")
    from listeners.worker import run_worker

    run_worker(settings, burst=burst)


@cli.command()
@click.option("--interval", default=5.0, show_default=True, type=float, help="Seconds between ticks.")
def scheduler(interval: float) -> None:
    """Enqueue due polls every few seconds (production: next to `crm worker`)."""
    from listeners.dispatcher import run_forever
    from listeners.queue import make_queue
    from listeners.runtime import configure

    settings = _settings()
    configure(settings)
    if settings.jobs_inline:
        click.echo("REDIS_URL is not set: polls run inline in this process.", err=True)
    click.echo(f"Dispatching due polls every {interval:g} s")
    run_forever(make_queue(settings, background=False), interval)


@cli.group()
def sources() -> None:
    """Listening sources and connectors."""


@sources.command("check")
def sources_check() -> None:
    """Which connectors are enabled, and why the others are not."""
    from connectors import registry
    from listeners.polling import connector_values

    for status in registry.available(connector_values(_settings())):
        mark = "enabled " if status.enabled else "disabled"
        click.echo(f"{status.platform:10} {mark} {', '.join(status.source_kinds) or '-':30} {status.reason or ''}")




@cli.group()
def segments() -> None:
    """Saved segments (audiences) of members."""


@segments.command("list")
@click.option("--count/--no-count", default=True, show_default=True, help="Count each segment's members now.")
def segments_list(count: bool) -> None:
    """Every segment with its id, member count and rule."""
    from crm.errors import DomainError
    from crm.segments.rules import describe
    from crm.segments.services import count_members, list_segments
    from listeners.runtime import configure, get

    configure(_settings())
    with get().session_factory() as s:
        for seg in list_segments(s):
            try:
                n = f"{count_members(s, seg.rule, segment_id=seg.id):>9,}" if count else ""
            except DomainError as exc:
                n = f"error: {exc.message}"
            mark = " (built-in)" if seg.is_builtin else ""
            click.echo(f"{seg.id:>4}  {seg.name}{mark}  {n}\n      {describe(seg.rule)}")


@cli.command("export")
@click.argument("segment")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "jsonl"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--columns", default=None, help="Comma-separated column keys (default: the standard ten).")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",", show_default=True,
              help="CSV only; ';' also writes decimal commas (German Excel).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def export_command(segment: str, fmt: str, output: Path, columns: str | None, delimiter: str, quiet: bool) -> None:
    """Export the members of SEGMENT (its id or name) to a file; the export is recorded."""
    import getpass as _getpass

    from crm.errors import DomainError
    from crm.segments import runs
    from crm.segments.export import DEFAULT_COLUMNS
    from crm.segments.models import ExportRun
    from crm.segments.services import find_segment
    from listeners.exports import run_export
    from listeners.runtime import configure, transaction

    configure(_settings())
    chosen = columns.split(",") if columns else list(DEFAULT_COLUMNS)
    try:
        with transaction() as s:
            run = runs.create_export(s, find_segment(s, segment), fmt=fmt, columns=chosen, delimiter=delimiter,
                                     actor=f"cli:{_getpass.getuser()}", channel="cli")
            run_id = run.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    output = output.resolve()
    with click.progressbar(length=1, label=f"Exporting to {output.name}",
                           file=open("/dev/null", "w") if quiet else None) as bar:  # noqa: SIM115
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        run_export(run_id, target=output, on_progress=progress)
    with transaction() as s:
        done = s.get(ExportRun, run_id)
        assert done is not None
        click.echo(f"{done.row_count:,} members written to {output} (export {run_id}, recorded)")






cli.add_command(alerts)
cli.add_command(inbox)
cli.add_command(members)


def main() -> None:
    """Entry point of the ``crm`` console script."""
    cli(prog_name="crm")
