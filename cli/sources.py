"""`crm sources check`: which connectors are enabled, and why the others are not."""

from __future__ import annotations

import click

from cli.common import load_settings as _settings


@click.group()
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
