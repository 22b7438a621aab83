"""The periodic runner: each app registers its jobs (core.extension_points.register_periodic_job) and
`manage.py core_scheduler` runs the ones that are due, recording every run as a JobRun.

A job's slot is a calendar day (daily jobs, once the local time has passed `at`) or an interval of
`every` counted from the epoch. Its run key `job@slot` is unique in the database, so a slot is run at
most once however many runners are started: the runner that inserts the key runs the job, the others
find it taken and go on. The jobs themselves are safe to repeat (each one only acts on what is due),
so a run started by hand beside the schedule does no harm."""

import datetime
import io
import logging
import socket

from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from . import audit
from .extension_points import PeriodicJob, periodic_jobs
from .models import AuditEntry, JobRun

log = logging.getLogger(__name__)

# A run still marked running after this long was cut off (the runner died); it is closed as failed.
STALE_AFTER = datetime.timedelta(hours=6)
OUTPUT_MAX = 4000
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def slot_key(job: PeriodicJob, now: datetime.datetime) -> str | None:
    """The run key of the slot `now` falls in, or None when a daily job's time has not come yet today."""
    if job.every is not None:
        seconds = int(job.every.total_seconds())
        index = int((now - _EPOCH).total_seconds()) // seconds
        start = _EPOCH + datetime.timedelta(seconds=index * seconds)
        return f"{job.key}@{start:%Y-%m-%dT%H:%MZ}"
    local = timezone.localtime(now)
    if local.time() < job.at:
        return None
    return f"{job.key}@{local.date().isoformat()}"


def next_due(job: PeriodicJob, now: datetime.datetime) -> datetime.datetime:
    """When the job's next slot begins (for the status page)."""
    if job.every is not None:
        seconds = int(job.every.total_seconds())
        index = int((now - _EPOCH).total_seconds()) // seconds + 1
        return _EPOCH + datetime.timedelta(seconds=index * seconds)
    local = timezone.localtime(now)
    today = local.replace(hour=job.at.hour, minute=job.at.minute, second=0, microsecond=0)
    return today if today > local else today + datetime.timedelta(days=1)


def claim(job: PeriodicJob, run_key: str, *, manual: bool = False) -> JobRun | None:
    """Insert the run record; None when another runner holds the key already."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(
                job=job.key, run_key=run_key, manual=manual, host=socket.gethostname()[:100]
            )
    except IntegrityError:
        return None
    except DatabaseError as exc:  # SQLite busy under a second runner: the slot is someone else's
        log.warning("scheduler: could not claim %s: %s", run_key, exc)
        return None


def execute(job: PeriodicJob, run: JobRun) -> JobRun:
    """Run the job's command and close its record with the outcome and what it printed."""
    out = io.StringIO()
    try:
        call_command(job.command, stdout=out, stderr=out)
        outcome = JobRun.Outcome.SUCCEEDED
    except Exception as exc:  # one failing job must not stop the runner or the others
        log.exception("scheduler: job %s failed", job.key)
        out.write(f"\n{type(exc).__name__}: {exc}")
        outcome = JobRun.Outcome.FAILED
    text = out.getvalue().strip()
    run.output = text[-OUTPUT_MAX:]
    run.outcome = outcome
    run.finished_at = timezone.now()
    run.save(update_fields=["output", "outcome", "finished_at"])
    audit.record(
        actor=None,
        action="core.job_run",
        obj=run,
        outcome=AuditEntry.Outcome.SUCCESS
        if outcome == JobRun.Outcome.SUCCEEDED
        else AuditEntry.Outcome.FAILED,
        detail={"job": job.key, "run_key": run.run_key, "manual": run.manual},
    )
    return run


def close_stale(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return JobRun.objects.filter(outcome=JobRun.Outcome.RUNNING, started_at__lt=now - STALE_AFTER).update(
        outcome=JobRun.Outcome.FAILED,
        finished_at=now,
        output="interrupted: the runner stopped before the end",
    )


def run_due(now: datetime.datetime | None = None, *, only: str | None = None) -> list[JobRun]:
    """One pass: run every job whose current slot has no run yet. Returns the runs this pass made."""
    now = now or timezone.now()
    close_stale(now)
    done = []
    for job in periodic_jobs():
        if only and job.key != only:
            continue
        key = slot_key(job, now)
        if key is None or JobRun.objects.filter(run_key=key).exists():
            continue
        run = claim(job, key)
        if run is not None:
            done.append(execute(job, run))
    return done


def run_now(job: PeriodicJob) -> JobRun:
    """Run a job outside its schedule (by hand); refused while a run of the job is still going."""
    from django.utils.translation import gettext_lazy as _

    from .errors import ApplicationError

    busy = ApplicationError(
        _("This job is running already; try again when it has finished."), code="job_running", status=409
    )
    if JobRun.objects.filter(job=job.key, outcome=JobRun.Outcome.RUNNING).exists():
        raise busy
    run = claim(job, f"{job.key}@manual:{timezone.now():%Y-%m-%dT%H:%M:%S.%f}", manual=True)
    if run is None:
        raise busy
    return execute(job, run)


def get_job(key: str) -> PeriodicJob | None:
    return next((j for j in periodic_jobs() if j.key == key), None)


def describe(job: PeriodicJob) -> str:
    """The schedule in words, in the active language."""
    from django.utils.translation import gettext

    if job.at is not None:
        return gettext("daily at %(time)s") % {"time": job.at.strftime("%H:%M")}
    minutes = int(job.every.total_seconds() // 60)
    if minutes == 60:
        return gettext("every hour")
    if minutes % 60 == 0:
        return gettext("every %(n)d hours") % {"n": minutes // 60}
    if minutes == 1:
        return gettext("every minute")
    return gettext("every %(n)d minutes") % {"n": minutes}
