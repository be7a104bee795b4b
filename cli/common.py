"""What every ``crm`` command shares: the settings, read once, with errors a person can act on."""

from __future__ import annotations

import click

from crm.settings import Settings, SettingsError


def load_settings() -> Settings:
    """Settings from the environment; a bad variable ends the command with its message."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
