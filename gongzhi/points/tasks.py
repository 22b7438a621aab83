"""Background work of the points bank (django-tasks, run by `manage.py db_worker`).

Nothing schedules tasks periodically yet: run `manage.py points_expire` daily from cron, or
enqueue `expire_points` from a scheduler when the platform gets one."""

from django_tasks import task

from .services import expiry_run


@task()
def expire_points() -> int:
    return expiry_run(actor=None)
