"""The ``crm`` command: the composition root of every process. One module per area:

admin (db, users), imports, segments (list, export), sources, processes (serve, demo, worker,
scheduler), alerts, inbox, members.
"""

from __future__ import annotations

import click

from cli.admin import db, users
from cli.alerts import alerts
from cli.files import files
from cli.imports import import_command
from cli.inbox import inbox
from cli.members import members
from cli.privacy import privacy
from cli.processes import demo, scheduler, serve, worker
from cli.segments import export_command, segments
from cli.sources import sources


@click.group()
def cli() -> None:
    """Social CRM: everyone who talks about you, across every channel."""


for command in (db, users, import_command, export_command, segments, sources, serve, demo, worker, scheduler,
                alerts, inbox, members, files, privacy):
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``crm`` console script."""
    cli(prog_name="crm")
