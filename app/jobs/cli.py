"""`flask worker`: the worker process (see app.jobs.worker)."""
import signal
import threading
from datetime import timedelta

import click
from flask.cli import with_appcontext

from app.jobs.worker import run


@click.command("worker")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between rounds.")
@click.option("--lease", default=300, show_default=True,
              help="Seconds a job stays claimed without a heartbeat before another worker takes it.")
@click.option("--once", is_flag=True, help="One round (deadlines, then every due job), then exit.")
@with_appcontext
def worker_cli(poll: float, lease: int, once: bool) -> None:
    """Run deadlines and background jobs until stopped (SIGTERM or Ctrl-C: the current job ends first)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    run(stop, poll, timedelta(seconds=lease), once=once)
