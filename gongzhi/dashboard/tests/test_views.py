"""The pages: who may open which unit, the large screen without personal data, the report and its
xlsx, bad input, and a fixed number of queries for a street with many communities."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_unit
from gongzhi.accounts.roles import Role
from gongzhi.core.models import AuditEntry
from gongzhi.dashboard import services
from gongzhi.registry import services as registry_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_the_secretary_opens_her_communitys_cockpit_with_tiles_linking_to_lists(world, login):
    services.summaries_refresh()
    client = login(world.secretary)
    assert client.get(reverse("dashboard:index"))["Location"] == reverse(
        "dashboard:cockpit", args=[world.tree.community_a.pk]
    )
    page = client.get(reverse("dashboard:cockpit", args=[world.tree.community_a.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("servicedesk:record_list") in html and reverse("cases:queue") in html
    assert "Figures computed at" in html and "dashboard/cockpit.js" in html
    assert 'id="dashboard-chart"' in html and "<script>" not in html  # no inline script
    assert "张晓鑫" in html  # the points bank's top volunteers (a public ranking)


def test_another_community_is_a_404_and_a_grid_has_no_cockpit(world, login):
    client = login(world.secretary)
    assert client.get(reverse("dashboard:cockpit", args=[world.tree.community_b.pk])).status_code == 404
    assert client.get(reverse("dashboard:cockpit", args=[world.tree.street.pk])).status_code == 404
    assert client.get(reverse("dashboard:cockpit", args=[world.tree.grid_a1.pk])).status_code == 404


@pytest.mark.parametrize("who", ["street_staff", "county_staff", "auditor"])
def test_street_county_and_auditors_open_every_level_below_them(world, login, who):
    services.summaries_refresh()
    client = login(getattr(world, who))
    for unit in (world.tree.street, world.tree.community_a, world.tree.community_b):
        assert client.get(reverse("dashboard:cockpit", args=[unit.pk])).status_code == 200
    html = client.get(reverse("dashboard:cockpit", args=[world.tree.street.pk])).content.decode()
    assert world.tree.community_a.name in html and world.tree.community_b.name in html  # side by side


def test_a_grid_worker_and_a_resident_have_no_cockpit(world, login, make_user):
    client = login(world.grid_worker)
    assert client.get(reverse("dashboard:index")).status_code == 403
    assert client.get(reverse("dashboard:cockpit", args=[world.tree.community_a.pk])).status_code == 404


def test_the_display_account_sees_the_large_screen_only_without_personal_data(world, login):
    services.summaries_refresh()
    client = login(world.display)
    screen = reverse("dashboard:screen", args=[world.tree.community_a.pk])
    assert client.get(reverse("dashboard:index"))["Location"] == screen
    html = client.get(screen).content.decode()
    assert "data-refresh-seconds" in html and 'body class="screen"' in html
    for name in ("张晓鑫", "扎西", "次仁老人"):  # residents and volunteers are never named
        assert name not in html
    assert "<a " not in html  # nothing to click through to
    assert client.get(reverse("dashboard:cockpit", args=[world.tree.community_a.pk])).status_code == 404
    assert client.get(reverse("dashboard:report", args=[world.tree.community_a.pk])).status_code == 404
    assert client.get(reverse("dashboard:screen", args=[world.tree.community_b.pk])).status_code == 404


def test_a_bad_period_is_a_clear_message_not_an_error(world, login):
    client = login(world.secretary)
    page = client.get(reverse("dashboard:cockpit", args=[world.tree.community_a.pk]), {"period": "2026-13"})
    assert page.status_code == 200
    assert "Choose a period as a year" in page.content.decode()
    assert (
        client.get(
            reverse("dashboard:cockpit", args=[world.tree.community_a.pk]), {"period": "x"}
        ).status_code
        == 200
    )


def test_the_yearly_report_is_a_printable_chinese_page(world, login):
    services.summaries_refresh()
    client = login(world.secretary)
    year = timezone.localdate().year
    html = client.get(
        reverse("dashboard:report", args=[world.tree.community_a.pk]), {"period": str(year)}
    ).content.decode()
    assert 'class="a4"' in html
    assert "年度工作总结" in html  # the title, in Chinese whatever the interface language
    assert "办理" in html and "2" in html


def test_the_report_xlsx_carries_the_figures_and_is_audited(world, login):
    services.summaries_refresh()
    client = login(world.secretary)
    response = client.get(reverse("dashboard:report_xlsx", args=[world.tree.community_a.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert len(wb.sheetnames) == 3
    figures = {row[1]: row[3] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert 2 in figures.values()
    assert AuditEntry.objects.filter(action="dashboard.report_export", kind="export").count() == 1


def test_recompute_now_queues_the_job_and_is_audited(world, login, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    client = login(world.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:refresh"), {"year": "2026", "next": "//evil.example"})
    assert response["Location"] == reverse("dashboard:index")
    assert DBTaskResult.objects.count() == 1
    assert AuditEntry.objects.filter(action="dashboard.refresh_requested").count() == 1
    # The auditor reads but does not trigger work; GET changes nothing.
    assert login(world.auditor).post(reverse("dashboard:refresh")).status_code == 403
    assert client.get(reverse("dashboard:refresh")).status_code == 405


def test_a_street_cockpit_costs_the_same_queries_for_many_communities(
    tree, make_user, login, django_assert_max_num_queries
):
    street_staff = make_user(Role.STREET_STAFF, tree.street)
    client = login(street_staff)

    def add_communities(n):
        for i in range(n):
            community = make_unit("community", tree.street)
            grid = make_unit("grid", community)
            household = registry_services.household_create(actor=None, org_unit=grid, address=f"{i}号")
            registry_services.resident_create(
                actor=None,
                household=household,
                name=f"居民{i}",
                gender="male",
                birth_date=timezone.localdate().replace(year=1980),
                relationship_to_head="head",
            )

    url = reverse("dashboard:cockpit", args=[tree.street.pk])
    add_communities(1)
    services.summaries_refresh()
    client.get(url)  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_communities(58)  # 60 communities with A and B
    services.summaries_refresh()
    with django_assert_max_num_queries(len(few)):
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("居民") == 0  # aggregates only
    assert "community-" in page.content.decode()
