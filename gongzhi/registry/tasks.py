"""Background work of the registry, run by `manage.py db_worker`."""

from django_tasks import task


@task()
def run_import_task(job_id: int) -> None:
    from .imports import import_run

    import_run(job_id=job_id)
