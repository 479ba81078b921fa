"""``flask worker`` runs the background worker; ``flask dev`` the web server and a worker together.

``flask jobs schedule`` lists the calendar; ``flask jobs run NAME`` runs one scheduled job now.
"""

import os
import signal
import subprocess
import sys

import click
from flask import Flask, current_app

from supporters.extensions import db


def init_app(app: Flask) -> None:
    """Register ``worker``, ``dev`` and the ``jobs`` group."""

    @app.cli.command("worker")
    @click.option("--threads", type=click.IntRange(1, 64), help="Default: JOBS_WORKERS.")
    def worker(threads: int | None):
        """Run the background worker until stopped (Ctrl-C or SIGTERM finish the running job)."""
        from huey.consumer import Consumer

        from supporters.jobs import job_queue

        huey = job_queue()
        if current_app.config["JOBS_BACKEND"] == "memory":
            raise click.UsageError("JOBS_BACKEND=memory is for tests: nothing else can queue jobs")
        click.echo(
            f"Worker: {current_app.config['JOBS_BACKEND']} queue, "
            f"{threads or current_app.config['JOBS_WORKERS']} thread(s). Ctrl-C stops it."
        )
        from supporters.jobs import enqueue

        enqueue("deliver_now")  # whatever waited while no worker ran goes out first
        consumer = Consumer(
            huey,
            workers=threads or current_app.config["JOBS_WORKERS"],
            worker_type="thread",
            periodic=True,
            graceful_signal="INT",
        )
        consumer.run()

    @app.cli.command("dev")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def dev(host: str, port: int):
        """The development web server and a worker in one command; Ctrl-C stops both.

        Without ``MAIL_SERVER`` in the environment, e-mail goes to a local mailbox whose
        messages are kept in instance/mail/ (supporters/ops/dev_mail.py)."""
        command = [sys.executable, "-m", "flask", "--app", os.environ.get("FLASK_APP", "app.py")]
        environment, mailbox = dict(os.environ), None
        if not os.environ.get("MAIL_SERVER"):
            from supporters.config import INSTANCE_DIR
            from supporters.ops.dev_mail import DevMailbox

            mailbox = DevMailbox(INSTANCE_DIR / "mail", announce=click.echo).start()
            environment.update(mailbox.environment())
            click.echo(f"No MAIL_SERVER: e-mail is kept in {mailbox.folder}/ as .eml files.")
        worker_process = subprocess.Popen([*command, "worker"], env=environment)
        try:
            code = subprocess.call(
                [*command, "run", "--host", host, "--port", str(port)], env=environment
            )
        except KeyboardInterrupt:
            code = 0
        finally:
            if mailbox is not None:
                mailbox.stop()
            if worker_process.poll() is None:
                worker_process.send_signal(signal.SIGINT)
                try:
                    worker_process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker_process.kill()
        sys.exit(code)

    @app.cli.group("jobs")
    def jobs_group():
        """Background work: the calendar and runs by hand."""

    @jobs_group.command("schedule")
    def schedule_command():
        """Each scheduled job, when it runs (JST) and its last run."""
        from supporters.jobs.schedule import SCHEDULED, last_runs, spec_for

        runs = {run.job: run for run in last_runs()}
        for name in sorted(SCHEDULED):
            run = runs.get(name)
            last = f"{run.period} ({'done' if run.finished_at else 'running'})" if run else "-"
            click.echo(f"{name:28} {spec_for(name):24} last: {last}")

    @jobs_group.command("run")
    @click.argument("name")
    def run_command(name: str):
        """Run scheduled job NAME now, outside its calendar (it is safe to run twice)."""
        from supporters.clock import utcnow
        from supporters.jobs.schedule import SCHEDULED

        if name not in SCHEDULED:
            raise click.BadParameter(f"one of: {', '.join(sorted(SCHEDULED))}", param_hint="NAME")
        result = SCHEDULED[name].function(utcnow())
        db.session.commit()
        click.echo(f"{name}: {result}")
