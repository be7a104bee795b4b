"""`crm import FILE`: a JSONL or CSV file through the import job, with its report by line."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import load_settings as _settings


@click.command("import")
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
            f"{run.quarantined_count} quarantined, {run.suppressed_count} suppressed"
        )
        if run.failure:
            raise click.ClickException(run.failure)
