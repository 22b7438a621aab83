"""Background work (django-tasks): the daily run, for a scheduler that enqueues tasks."""

from django_tasks import task

from . import services


@task()
def economy_daily() -> dict:
    return services.leases_daily()
