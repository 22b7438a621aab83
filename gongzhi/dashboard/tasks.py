"""Background job (django-tasks): keep the summaries fresh. Run it from cron, e.g. hourly:
`manage.py dashboard_refresh`, or enqueue `refresh`."""

from django_tasks import task

from . import services
from .periods import Period


@task()
def refresh(year: int | None = None) -> int:
    periods = None
    if year is not None:
        periods = [Period(year), *Period(year).months(), Period(year - 1), *Period(year - 1).months()]
    return services.summaries_refresh(periods=periods).rows
