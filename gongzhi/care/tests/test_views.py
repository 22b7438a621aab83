import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.care import services
from gongzhi.care.models import Assessment, CareProfile, ServiceType, Visit
from gongzhi.core.models import AuditEntry

from . import factories
from .factories import answers

pytestmark = pytest.mark.django_db


def test_roster_lists_tagged_people_overdue_first_in_fixed_queries(
    tree, worker, login, django_assert_max_num_queries
):
    today = timezone.localdate()
    visited = factories.resident(tree.grid_a1, name="已访")
    never = factories.resident(tree.grid_a1, name="未访")
    factories.resident(tree.grid_a1, tags=(), name="无标签")
    factories.resident(tree.grid_b1, name="别的社区")
    services.visit_record(actor=worker, resident=visited, visited_on=today, situation="好")
    client = login(worker)
    for _ in range(5):
        factories.resident(tree.grid_a1)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("care:roster"))
    assert response.status_code == 200
    names = [r.name for r in response.context["page"]]
    assert names.index("未访") < names.index("已访")
    assert "无标签" not in names and "别的社区" not in names
    assert never.name in response.content.decode()


def test_home_panel_shows_overdue_visits_to_the_grid_worker(tree, worker, login):
    factories.resident(tree.grid_a1, name="王奶奶")
    response = login(worker).get(reverse("core:home"))
    body = response.content.decode()
    assert "王奶奶" in body
    assert reverse("care:roster") in body


def test_person_page_and_visit_form(tree, worker, elder, login, django_assert_max_num_queries):
    client = login(worker)
    services.assessment_record(
        actor=worker, resident=elder, assessed_on=timezone.localdate(), answers=answers(70)
    )
    with django_assert_max_num_queries(25):
        assert client.get(reverse("care:person", args=[elder.pk])).status_code == 200
    response = client.get(reverse("care:visit_new", args=[elder.pk]))
    assert b"data-offline-key" in response.content and b"visit_offline.js" in response.content
    response = client.post(
        reverse("care:visit_new", args=[elder.pk]),
        {
            "kind": "phone",
            "visited_on": timezone.localdate().isoformat(),
            "situation": "电话问候",
            "wellbeing": ["eating_well"],
            "client_key": "k1",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.kind == "phone" and visit.wellbeing == {"eating_well": True}


def test_bad_visit_shows_a_form_error_and_saves_nothing(worker, elder, login):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = login(worker).post(
        reverse("care:visit_new", args=[elder.pk]), {"kind": "home", "visited_on": future, "situation": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Visit.objects.exists()


def test_risk_form(worker, elder, login):
    client = login(worker)
    client.post(
        reverse("care:risk_set", args=[elder.pk]), {"risk_level": "high", "risk_reason": "独居且行动不便"}
    )
    assert CareProfile.objects.get(resident=elder).risk_level == "high"


def test_assessment_form_scores_and_shows_the_level(worker, elder, login):
    data = {
        "assessed_on": timezone.localdate().isoformat(),
        "risk_events_30d": "2",
        **{k: str(v) for k, v in answers(66).items()},
    }
    response = login(worker).post(reverse("care:assessment_new", args=[elder.pk]), data)
    assert response.status_code == 302
    a = Assessment.objects.get()
    assert (a.total, a.preliminary_level, a.level) == (66, 1, 2)
    assert login(worker).get(response.url).status_code == 200


def test_order_pages_and_steps(tree, worker, elder, login):
    client = login(worker)
    response = client.post(
        reverse("care:order_new", args=[elder.pk]),
        {"service_type": ServiceType.objects.get(code="bathing").pk},
    )
    assert response.status_code == 302
    order = elder.care_profile.orders.get()
    assert client.get(reverse("care:order_detail", args=[order.pk])).status_code == 200
    volunteer = services.volunteer_create(actor=None, org_unit=tree.community_a, name="小李")
    client.post(reverse("care:order_step", args=[order.pk]), {"action": "assign", "volunteer": volunteer.pk})
    order.refresh_from_db()
    assert order.state == "assigned" and order.volunteer == volunteer
    client.post(
        reverse("care:order_step", args=[order.pk]),
        {"action": "complete", "done_note": "x", "confirmed_by": "本人"},
    )
    order.refresh_from_db()
    assert order.state == "assigned"  # not scheduled yet: refused with a message, nothing changed
    assert client.get(reverse("care:order_list")).status_code == 200


def test_health_record_refused_to_a_grid_worker_and_logged(tree, worker, health_worker, elder, login):
    record = services.health_record_create(
        actor=health_worker, resident=elder, basis="statutory", statute="《基本医疗卫生与健康促进法》"
    )
    response = login(worker).get(reverse("care:health_detail", args=[record.pk]))
    assert response.status_code == 403
    entry = AuditEntry.objects.filter(action="view:health_record", object_id=str(record.pk)).get()
    assert entry.outcome == "denied" and entry.actor == worker


def test_health_record_seen_by_health_worker_and_the_resident_and_logged(
    tree, make_user, health_worker, login
):
    resident_user = make_user(Role.RESIDENT, tree.grid_a1)
    elder = factories.resident(tree.grid_a1, user=resident_user)
    record = services.health_record_create(
        actor=health_worker, resident=elder, basis="statutory", statute="《基本医疗卫生与健康促进法》"
    )
    for user in (health_worker, resident_user):
        assert login(user).get(reverse("care:health_detail", args=[record.pk])).status_code == 200
    logged = AuditEntry.objects.filter(
        action="view:health_record", object_id=str(record.pk), outcome="success"
    )
    assert set(logged.values_list("actor", flat=True)) == {health_worker.pk, resident_user.pk}


def test_child_record_refused_without_the_role_and_logged(tree, make_user, worker, login):
    child = factories.resident(
        tree.grid_a1, tags=("left_behind_child",), birth_date=datetime.date(2015, 1, 1)
    )
    profile = services.child_profile_create(actor=worker, resident=child, kind="left_behind")
    street = make_user(Role.STREET_STAFF, tree.street)
    health = make_user(Role.HEALTH_WORKER, tree.community_a)
    for user in (street, health):
        assert login(user).get(reverse("care:child_detail", args=[profile.pk])).status_code == 403
    denied = AuditEntry.objects.filter(
        action="view:child_record", outcome="denied", object_id=str(profile.pk)
    )
    assert set(denied.values_list("actor", flat=True)) == {street.pk, health.pk}
    assert login(worker).get(reverse("care:child_detail", args=[profile.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="view:child_record", outcome="success", actor=worker).exists()


def test_clinic_fast_entry(tree, health_worker, elder, login):
    clinic = services.clinic_create(
        actor=health_worker, org_unit=tree.community_a, name="义诊", held_on=timezone.localdate()
    )
    client = login(health_worker)
    response = client.post(
        reverse("care:clinic_detail", args=[clinic.pk]),
        {"resident": elder.pk, "systolic": "160", "diastolic": "95", "consent_by": "本人"},
    )
    assert response.status_code == 302
    assert elder.health_record.measurements.filter(out_of_range=True).count() == 2
    page = client.get(reverse("care:health_list"))
    assert page.context["count"] == 1


def test_report_and_xlsx(tree, worker, elder, login):
    from io import BytesIO

    from openpyxl import load_workbook

    services.visit_record(actor=worker, resident=elder, visited_on=timezone.localdate(), situation="好")
    factories.resident(tree.grid_a1)
    client = login(worker)
    response = client.get(reverse("care:report"))
    assert response.status_code == 200
    row = response.context["coverage"][0]
    assert (row["people"], row["visited"]) == (2, 1)
    wb = load_workbook(BytesIO(client.get(reverse("care:report_xlsx")).content))
    assert wb.worksheets[0].cell(2, 2).value == 2


@pytest.mark.parametrize("name", ["care:roster", "care:order_list", "care:volunteer_list", "care:report"])
def test_residents_are_refused_staff_pages(tree, make_user, login, name):
    resident = make_user(Role.RESIDENT, tree.grid_a1)
    assert login(resident).get(reverse(name)).status_code == 403


def test_a_resident_finds_their_health_record_on_the_home_page(tree, make_user, health_worker, login):
    me = make_user(Role.RESIDENT, tree.grid_a1)
    elder = factories.resident(tree.grid_a1, user=me)
    record = services.health_record_create(
        actor=health_worker, resident=elder, basis="statutory", statute="法"
    )
    body = login(me).get(reverse("core:home")).content.decode()
    assert reverse("care:health_detail", args=[record.pk]) in body


def test_needy_page_records_a_donation(tree, make_user, login):
    staff = make_user(Role.COMMUNITY_STAFF, tree.community_a)
    client = login(staff)
    response = client.post(
        reverse("care:needy"),
        {
            "form": "donation",
            "direction": "in",
            "kind": "money",
            "amount": "200",
            "counterparty": "爱心人士",
            "on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("care:needy"))
    assert page.context["totals"]["money_in"] == 200
    worker = make_user(Role.GRID_WORKER, tree.grid_a1)
    assert login(worker).post(reverse("care:needy"), {"form": "guidance"}).status_code == 403
