"""The long-running processes: `crm serve`, `crm demo`, `crm worker`, `crm scheduler`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.common import load_settings as _settings

if TYPE_CHECKING:
    from flask import Flask


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run web, dispatcher and inline jobs in one process (one machine, no Redis needed)."""
    from web import create_app

    _check_port_free(host, port)
    app = create_app()
    _start_dispatcher(app)
    click.echo(f"Serving on http://{host}:{port}")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def _start_dispatcher(app: Flask) -> None:
    """Start the in-process poll dispatcher (a daemon thread) on the app's job queue."""
    from listeners.dispatcher import start_in_background

    start_in_background(app.extensions["job_queue"])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the demo and exit.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create the database, load the demo data through the import job, create a demo login and serve."""
    from datetime import UTC, datetime

    from crm.migrate import upgrade
    from demo.history import prepare_demo
    from demo.loader import load_demo
    from listeners.runtime import configure

    if not no_serve:
        _check_port_free(host, port)
    settings = _settings()
    upgrade(settings.database_url)
    configure(settings)
    now = datetime.now(UTC)
    setup = load_demo(now)
    for line in setup.lines + (prepare_demo(now) if setup.loaded else []):
        click.echo(line)
    from crm.locale import Speaker

    say = Speaker(settings.default_language, settings.default_timezone)
    click.echo("")
    click.echo("  " + say._("Sign in at %(url)s", url=f"http://{host}:{port}/login"))
    click.echo("  " + say._("E-mail:   %(email)s", email=setup.email))
    click.echo("  " + say._("Password: %(password)s", password=setup.password))
    click.echo("")
    if not no_serve:
        serve.callback(host=host, port=port)  # type: ignore[misc]


def _check_port_free(host: str, port: int) -> None:
    """Fail before any setup when the port is taken (not after printing "Serving on ...")."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        # As the server binds: a port left in TIME_WAIT by a stopped server is free, a port
        # someone listens on is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise click.ClickException(
                f"Port {port} on {host} is in use ({exc.strerror}): stop what runs there, "
                f"or pick another port: --port {port + 1} (`make demo PORT={port + 1}`)."
            ) from None


@click.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
def worker(burst: bool) -> None:
    """Run an RQ worker on the ingest, alerts and default queues."""
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set: without it jobs run inline in `crm serve`.")
    from listeners.worker import run_worker

    run_worker(settings, burst=burst)


@click.command()
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
