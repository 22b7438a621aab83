"""A large file goes the way staff meet it: uploaded on the page, queued for the background worker
(`manage.py db_worker`, run here in-process), checked and written while the progress bar moves,
and imported whole. The 200,000-row run is marked `slow`: `make test` runs it once, on PostgreSQL when
TEST_DATABASE_URL is set, else on SQLite."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from gongzhi.registry import imports
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import Household, ImportJob, Resident

pytestmark = pytest.mark.django_db
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["建国", "丹增", "卓玛", "次仁", "拉姆", "格桑", "央金", "明", "鑫", "平措"]


def big_csv(n: int) -> bytes:
    """n residents, three to a household (the first of each its head), in grid A1 of community A."""
    keys = [k for k, _h, _r in imports.COLUMNS]
    lines = [",".join(imports.HEADERS)]
    for i in range(n):
        birth = datetime.date(1940 + i % 70, 1 + i % 12, 1 + i % 28)
        male = i % 2 == 1
        values = {
            "grid": "A第一网格", "address": f"纳金路{i // 3}号", "relationship_to_head": "户主" if i % 3 == 0 else "子女",
            "name": SURNAMES[i % 10] + GIVEN[(i // 10) % 10], "gender": "男" if male else "女",
            "birth_date": birth.isoformat(), "ethnicity": "藏族",
            # A new area code every 1,000 rows keeps the numbers unique past the birth dates' cycle.
            "document_number": make_id_number(f"{540102 + i // 1000}", birth, i, "male" if male else "female"),
            "phone": f"139{i:08d}", "is_party_member": "否",
        }  # fmt: skip
        lines.append(",".join(values.get(k, "") for k in keys))
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize("n", [3000, pytest.param(200_000, marks=pytest.mark.slow)])
def test_a_large_file_is_imported_by_the_worker_while_the_bar_moves(
    n, login, make_user, roles, tree, monkeypatch, django_capture_on_commit_callbacks
):
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    client = login(staff)
    data = big_csv(n)
    assert len(data) > imports.BACKGROUND_ABOVE_BYTES

    # Upload on the page: the request stores the file and queues the job; nothing is imported yet.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry:import_start"),
            {"file": SimpleUploadedFile("居民.csv", data), "org_unit": tree.community_a.pk, "mode": "all"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("registry:import_detail", args=[job.pk])
    assert job.status == "queued" and not Resident.objects.exists()
    progress_url = reverse("registry:import_progress", args=[job.pk])
    assert 'hx-trigger="every 2s"' in client.get(progress_url).content.decode()

    # Watch the bar: what the page shows at each step of the first pass, and the rows written in
    # the second (on PostgreSQL those reach the page through a connection of their own).
    pages, written = [], []
    first_pass = imports._progress
    second_pass = imports._SideProgress.update

    def watch_first(job, **fields):
        first_pass(job, **fields)
        if not pages:
            pages.append(client.get(progress_url).content.decode())
        row = ImportJob.objects.get(pk=job.pk)
        pages.append((row.status, row.checked_rows, row.total_rows, row.percent))

    def watch_second(self, *, processed_rows):
        second_pass(self, processed_rows=processed_rows)
        written.append(processed_rows)

    monkeypatch.setattr(imports, "_progress", watch_first)
    monkeypatch.setattr(imports._SideProgress, "update", watch_second)
    # The worker recycles its database connection between tasks; here the test's transaction holds it.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0
    )

    job.refresh_from_db()
    assert (job.status, job.error_count, job.message) == ("done", 0, "")
    assert (job.total_rows, job.checked_rows, job.processed_rows, job.created_count) == (n, n, n, n)
    assert Resident.objects.count() == n and Household.objects.count() == (n + 2) // 3
    assert Resident.objects.filter(relationship_to_head="head").count() == (n + 2) // 3

    first_page, *steps = pages
    assert f"Checking the rows: 2000 of about {n}" in first_page and 'hx-trigger="every 2s"' in first_page
    assert len(steps) == n // imports.PROGRESS_EVERY
    assert all(status == "running" and total == n for status, _c, total, _p in steps)
    checked = [c for _s, c, _t, _p in steps]
    percents = [p for _s, _c, _t, p in steps]
    assert checked == sorted(set(checked)) and percents == sorted(percents)
    assert percents[-1] == int(50 * checked[-1] / n) and checked[-1] == n - n % imports.PROGRESS_EVERY
    assert written == sorted(set(written)) and len(written) == -(-n // imports.BATCH) and written[-1] == n

    part = client.get(progress_url).content.decode()
    assert 'value="100"' in part and "hx-get" not in part and str(n) in part
