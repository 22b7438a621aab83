import datetime
import io
import threading
import zoneinfo

import pytest
from django.core.management import call_command, get_commands
from django.db import connection
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.core import extension_points, scheduler
from gongzhi.core.errors import ApplicationError
from gongzhi.core.extension_points import PeriodicJob
from gongzhi.core.models import AuditEntry, JobRun

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PERIODIC_JOBS = {
    "cases_autoclose",
    "cases_escalate_overdue",
    "economy_daily",
    "assistance_reviews",
    "points_expire",
    "servicedesk_remind",
    "deliberation_close_votes",
    "care_generate",
    "dashboard_refresh",
    "core_audit_seal",
}


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def only(monkeypatch):
    """Replace the registered jobs by the given ones for one test."""

    def _only(*jobs):
        monkeypatch.setattr(extension_points, "_periodic", {j.key: j for j in jobs})

    return _only


def test_the_six_periodic_jobs_are_registered_with_existing_commands():
    jobs = {j.key: j for j in extension_points.periodic_jobs()}
    assert set(jobs) >= PERIODIC_JOBS
    commands = get_commands()
    for job in jobs.values():
        assert job.command in commands


def test_a_job_needs_exactly_one_schedule_of_at_least_a_minute():
    with pytest.raises(ValueError):
        PeriodicJob("x", "x", "cases_autoclose")
    with pytest.raises(ValueError):
        PeriodicJob("x", "x", "cases_autoclose", every=datetime.timedelta(hours=1), at=datetime.time(1))
    with pytest.raises(ValueError):
        PeriodicJob("x", "x", "cases_autoclose", every=datetime.timedelta(seconds=10))


def test_slot_keys_of_daily_and_interval_jobs():
    daily = PeriodicJob("d", "d", "points_expire", at=datetime.time(3, 0))
    assert scheduler.slot_key(daily, at(29, 2, 59)) is None
    assert scheduler.slot_key(daily, at(29, 3, 0)) == "d@2026-11-29"
    assert scheduler.slot_key(daily, at(29, 23, 59)) == "d@2026-11-29"
    assert scheduler.slot_key(daily, at(30, 3, 1)) == "d@2026-11-30"
    quarter = PeriodicJob("q", "q", "cases_escalate_overdue", every=datetime.timedelta(minutes=15))
    assert scheduler.slot_key(quarter, at(29, 10, 0)) == scheduler.slot_key(quarter, at(29, 10, 14))
    assert scheduler.slot_key(quarter, at(29, 10, 14)) != scheduler.slot_key(quarter, at(29, 10, 15))
    assert scheduler.next_due(daily, at(29, 2)) == at(29, 3)
    assert scheduler.next_due(daily, at(29, 4)) == at(30, 3)
    assert scheduler.next_due(quarter, at(29, 10, 5)) == at(29, 10, 15)


def test_every_due_job_runs_once_per_slot_and_each_run_is_recorded(db):
    runs = scheduler.run_due(at(29, 10))
    assert {r.job for r in runs} == PERIODIC_JOBS
    assert all(r.outcome == JobRun.Outcome.SUCCEEDED and r.finished_at for r in runs)
    assert JobRun.objects.get(job="points_expire").output.startswith("points_expire:")
    assert AuditEntry.objects.filter(action="core.job_run").count() == len(PERIODIC_JOBS)
    # A second pass in the same slots (or a second runner) runs nothing.
    assert scheduler.run_due(at(29, 10, 5)) == []
    assert JobRun.objects.count() == len(PERIODIC_JOBS)
    # The quarter-hourly job is due again after 15 minutes, the hourly one after the hour, the daily ones tomorrow.
    quarterly = {"cases_escalate_overdue", "deliberation_close_votes"}
    assert {r.job for r in scheduler.run_due(at(29, 10, 16))} == quarterly
    assert {r.job for r in scheduler.run_due(at(29, 11, 1))} == quarterly | {
        "cases_autoclose",
        "core_audit_seal",
    }
    assert {r.job for r in scheduler.run_due(at(30, 1, 30))} == quarterly | {
        "cases_autoclose",
        "core_audit_seal",
        "care_generate",
        "economy_daily",
    }


def test_a_daily_job_waits_for_its_time(db, only):
    only(PeriodicJob("points_expire", "p", "points_expire", at=datetime.time(3, 0)))
    assert scheduler.run_due(at(29, 2, 59)) == []
    assert len(scheduler.run_due(at(29, 3, 0))) == 1


def test_a_failing_job_is_recorded_as_failed_and_the_others_still_run(db, only):
    only(
        PeriodicJob("broken", "b", "no_such_command", every=datetime.timedelta(hours=1)),
        PeriodicJob("points_expire", "p", "points_expire", at=datetime.time(3, 0)),
    )
    runs = {r.job: r for r in scheduler.run_due(at(29, 10))}
    assert runs["broken"].outcome == JobRun.Outcome.FAILED
    assert "no_such_command" in runs["broken"].output
    assert runs["points_expire"].outcome == JobRun.Outcome.SUCCEEDED
    assert AuditEntry.objects.filter(action="core.job_run", outcome=AuditEntry.Outcome.FAILED).count() == 1


def test_a_slot_taken_by_another_runner_is_skipped(db, only):
    job = PeriodicJob("points_expire", "p", "points_expire", at=datetime.time(3, 0))
    only(job)
    key = scheduler.slot_key(job, at(29, 10))
    assert scheduler.claim(job, key) is not None
    assert scheduler.claim(job, key) is None
    assert scheduler.run_due(at(29, 10)) == []
    assert JobRun.objects.count() == 1


def test_a_run_cut_off_by_a_dead_runner_is_closed_as_failed(db):
    run = JobRun.objects.create(job="points_expire", run_key="points_expire@2026-11-28")
    JobRun.objects.filter(pk=run.pk).update(started_at=at(28, 3))
    assert scheduler.close_stale(at(28, 10)) == 1
    run.refresh_from_db()
    assert run.outcome == JobRun.Outcome.FAILED and run.finished_at and "interrupted" in run.output


def test_run_now_is_refused_while_the_job_runs(db):
    job = scheduler.get_job("points_expire")
    JobRun.objects.create(job=job.key, run_key="points_expire@x")
    with pytest.raises(ApplicationError) as exc:
        scheduler.run_now(job)
    assert exc.value.code == "job_running" and exc.value.status == 409


def test_the_command_lists_and_runs_once(db):
    out = io.StringIO()
    call_command("core_scheduler", "--list", stdout=out)
    assert all(key in out.getvalue() for key in PERIODIC_JOBS)
    out = io.StringIO()
    call_command("core_scheduler", "--once", "--job", "points_expire", stdout=out)
    assert JobRun.objects.filter(job="points_expire").count() <= 1  # before 03:00 it is not due yet
    call_command("core_scheduler", "--job", "points_expire", "--now", stdout=out)
    assert JobRun.objects.filter(job="points_expire", manual=True, outcome="succeeded").count() == 1


def test_the_jobs_page_shows_last_runs_to_the_system_admin_only(
    tree, make_user, login, django_assert_max_num_queries
):
    scheduler.run_due(at(29, 10))
    scheduler.run_due(at(29, 11, 1))
    client = login(make_user(Role.SYSTEM_ADMIN, tree.district))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("core:job_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "points_expire" in html and "cases_escalate_overdue" in html
    assert client.get(reverse("core:job_list"), {"job": "points_expire"}).context["page"].paginator.count == 1
    # Running a job by hand records a manual run.
    response = client.post(reverse("core:job_run", args=["points_expire"]))
    assert response.status_code == 302
    assert JobRun.objects.filter(job="points_expire", manual=True).count() == 1
    assert client.post(reverse("core:job_run", args=["nope"])).status_code == 404
    assert client.get(reverse("core:job_run", args=["points_expire"])).status_code == 405
    # The audit admin reads but does not run; community staff see nothing.
    auditor = login(make_user(Role.AUDIT_ADMIN, tree.district))
    assert auditor.get(reverse("core:job_list")).status_code == 200
    assert auditor.post(reverse("core:job_run", args=["points_expire"])).status_code == 403
    staff = login(make_user(Role.COMMUNITY_STAFF, tree.community_a))
    assert staff.get(reverse("core:job_list")).status_code == 403
    assert staff.post(reverse("core:job_run", args=["points_expire"])).status_code == 403


def test_the_jobs_page_costs_the_same_queries_with_more_runs(
    tree, make_user, login, django_assert_max_num_queries
):
    client = login(make_user(Role.SYSTEM_ADMIN, tree.district))
    client.get(reverse("core:job_list"))
    for hour in range(10, 20):
        scheduler.run_due(at(29, hour, 1))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("core:job_list")).status_code == 200


def test_the_jobs_api(tree, make_user, login):
    scheduler.run_due(at(29, 10))
    client = login(make_user(Role.SYSTEM_ADMIN, tree.district))
    jobs = {j["key"]: j for j in client.get("/api/v1/core/jobs").json()}
    assert set(jobs) >= PERIODIC_JOBS
    assert jobs["points_expire"]["last_run"]["outcome"] == "succeeded"
    assert jobs["points_expire"]["schedule"]
    runs = client.get("/api/v1/core/job-runs", {"job": "points_expire"}).json()
    assert runs["count"] == 1
    created = client.post("/api/v1/core/jobs/points_expire/run")
    assert created.status_code == 201 and created.json()["manual"] is True
    assert client.post("/api/v1/core/jobs/nope/run").status_code == 404
    JobRun.objects.create(job="economy_daily", run_key="economy_daily@busy")
    busy = client.post("/api/v1/core/jobs/economy_daily/run")
    assert busy.status_code == 409 and busy.json()["code"] == "job_running"
    staff = login(make_user(Role.COMMUNITY_STAFF, tree.community_a))
    assert staff.get("/api/v1/core/jobs").status_code == 403
    assert staff.get("/api/v1/core/job-runs").status_code == 403
    assert staff.post("/api/v1/core/jobs/points_expire/run").status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runners_started_at_once_run_each_slot_once(only):
    assert connection.vendor == "postgresql"
    only(PeriodicJob("points_expire", "p", "points_expire", at=datetime.time(3, 0)))
    barrier = threading.Barrier(4)
    results = []

    def runner():
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(len(scheduler.run_due(at(29, 10))))
        finally:
            conn.close()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 0, 1]
    assert JobRun.objects.filter(job="points_expire").count() == 1
