"""`crm segments list` and `crm export SEGMENT`: saved audiences and their recorded exports."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import load_settings as _settings


@click.group()
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


@click.command("export")
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
