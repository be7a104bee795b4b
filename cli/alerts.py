"""`crm alerts ...`: backtest the detector on a historical series, evaluate the rules now."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def alerts() -> None:
    """Spike and crisis alerts."""


@alerts.command("backtest")
@click.argument("csv_path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--windows", "windows_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="NAB-style windows.json: also print the NAB score.")
@click.option("--sensitivity", type=click.Choice(["low", "medium", "high"]), default="medium", show_default=True)
def backtest(csv_path: Path, windows_path: Path | None, sensitivity: str) -> None:
    """Replay a timestamp,value series as if live; one line per alert it would have raised."""
    from cli.backtest import backtest_command
    from crm.alerts.types import Params
    from crm.errors import DomainError

    try:
        text = backtest_command(csv_path, windows_path, Params(sensitivity=sensitivity))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(text, nl=False)


@alerts.command("evaluate")
def evaluate() -> None:
    """Evaluate every enabled rule now (what the timer does each minute) and send what is due."""
    from cli.common import load_settings as _settings
    from listeners.alerts import evaluate_all
    from listeners.runtime import configure

    configure(_settings())
    result = evaluate_all()
    click.echo(
        f"{result['rules']} rule(s) evaluated, {result['events']} event(s), "
        f"{len(result['opened'])} alert(s) opened, {result['deliveries']} notification(s) sent"
    )


@alerts.command("digest")
def digest() -> None:
    """Send the digest of watch-level alerts now."""
    from cli.common import load_settings as _settings
    from listeners.alerts import send_digest
    from listeners.runtime import configure

    configure(_settings())
    result = send_digest()
    click.echo(f"{result['sent']} digest(s) sent, {result['failed']} failed")
