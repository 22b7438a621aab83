"""Defects found by the release QA pass (the page crawl in test_crawl.py and the API sweep in
test_api_errors.py), each pinned by what a user notices."""

import datetime

import pytest
from django.urls import reverse

from gongzhi.venues import services as venue_services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/care/", "/care/orders/", "/registry/residents/", "/points/", "/economy/"])
def test_an_anonymous_visitor_is_sent_to_sign_in_and_brought_back(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={path}"


def test_a_signed_in_user_without_the_permission_is_still_refused(tree, make_user, roles, login):
    resident = make_user(roles.RESIDENT, tree.grid_a1)
    client = login(resident)
    assert client.get("/care/").status_code == 403


def test_an_anonymous_post_to_a_refused_page_is_refused_not_redirected(client):
    assert client.post("/care/orders/").status_code in (403, 405)


def test_a_room_page_names_the_weekdays_it_is_open(tree, make_user, roles, login):
    hours = {1: (datetime.time(9, 30), datetime.time(18, 0)), 6: (datetime.time(10, 0), datetime.time(17, 0))}
    room = venue_services.room_create(
        actor=None, org_unit=tree.community_a, name="邻里汇", capacity=30, hours=hours
    )
    client = login(make_user(roles.RESIDENT, tree.grid_a1))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("venues:room_detail", args=[room.pk])).content.decode()
    assert "Monday 09:30–18:00" in page
    assert "Saturday 10:00–17:00" in page


def test_a_body_that_is_not_json_gets_a_translated_json_error(tree, make_user, roles, login):
    client = login(make_user(roles.COMMUNITY_STAFF, tree.community_a))
    response = client.post("/api/v1/registry/residents", '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["message"] == "请求体不是有效的 JSON。"


def test_an_amount_beyond_the_decimal_precision_is_refused_not_a_crash():
    from gongzhi.core.errors import ApplicationError
    from gongzhi.economy.services import _money

    with pytest.raises(ApplicationError) as refused:
        _money(1e308, "amount")
    assert refused.value.code == "invalid_amount"
