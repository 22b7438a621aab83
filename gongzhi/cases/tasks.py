"""Background jobs (django-tasks). Run them periodically, e.g. from cron every 15 minutes:
`manage.py cases_escalate_overdue` and `manage.py cases_autoclose`, or enqueue these tasks."""

from django_tasks import task

from . import services


@task()
def escalate_overdue() -> int:
    return services.case_escalate_overdue()


@task()
def autoclose_stale() -> int:
    return services.case_autoclose_stale()
