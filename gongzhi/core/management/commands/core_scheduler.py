import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from gongzhi.core import scheduler
from gongzhi.core.errors import ApplicationError
from gongzhi.core.extension_points import periodic_jobs


class Command(BaseCommand):
    help = (
        "Run the periodic jobs the apps register (cases_autoclose, points_expire, ...) when they fall due, "
        "recording each run. Keeps running; --once makes one pass (e.g. from cron). Safe to start twice: "
        "each slot of a job is run once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due now, then exit")
        parser.add_argument("--tick", type=int, default=30, help="seconds between passes (30)")
        parser.add_argument("--job", default=None, help="only this job")
        parser.add_argument("--now", action="store_true", help="with --job: run it now, outside its schedule")
        parser.add_argument("--list", action="store_true", help="list the registered jobs and exit")

    def handle(self, *args, once=False, tick=30, job=None, now=False, list=False, **options):
        if list:
            for j in periodic_jobs():
                when = f"every {j.every}" if j.every else f"daily at {j.at:%H:%M}"
                self.stdout.write(f"{j.key:28} {when:22} manage.py {j.command}")
            return
        if job and scheduler.get_job(job) is None:
            raise CommandError(f"unknown job {job!r}; see --list")
        if now:
            if not job:
                raise CommandError("--now needs --job")
            try:
                run = scheduler.run_now(scheduler.get_job(job))
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            self._report([run])
            return
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            self.stdout.write(f"core_scheduler: {len(periodic_jobs())} job(s), a pass every {tick}s")
        while True:
            self._report(scheduler.run_due(only=job))
            if once or stop.wait(max(1, tick)):
                break
            close_old_connections()  # a long-lived process drops connections the database closed

    def _report(self, runs):
        for run in runs:
            first = run.output.splitlines()[-1] if run.output else ""
            self.stdout.write(f"{run.run_key}: {run.outcome} {first}")
