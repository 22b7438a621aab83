import io

import pytest
from django.core.cache import cache
from django.urls import reverse

from gongzhi.cases import services
from gongzhi.cases.models import Case
from gongzhi.deliberation.models import Topic

from .conftest import advance, png_file


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def test_resident_reports_from_the_phone_form_and_sees_the_tracking_code(world, login):
    client = login(world.resident_user)
    page = client.get(reverse("cases:report"))
    assert page.status_code == 200 and "My registered address" in page.content.decode()
    response = client.post(
        reverse("cases:report"),
        {
            "category": world.utilities.pk,
            "description": "楼道灯坏了",
            "location_kind": "registered",
            "photos": [png_file()],
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.reporter, case.org_unit) == (
        "resident_form",
        world.resident_user,
        world.tree.grid_a1,
    )
    assert case.photos.count() == 1
    done = client.get(response.url).content.decode()
    assert case.tracking_code in done


def test_red_mailbox_records_its_channel(world, login):
    client = login(world.other_resident)
    client.post(
        reverse("cases:mailbox"),
        {
            "category": world.general.pk,
            "description": "建议",
            "location_kind": "address",
            "address": "纳金路1号",
            "community": world.tree.community_a.pk,
        },
    )
    assert Case.objects.get().channel == "red_mailbox"


def test_anonymous_visitor_reports_and_follows_with_the_code(world, client):
    response = client.post(
        reverse("cases:report"),
        {
            "category": world.general.pk,
            "description": "路灯坏了",
            "location_kind": "point",
            "lat": "29.65",
            "long": "91.13",
            "community": world.tree.community_a.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert not case.anonymous and case.reporter is None and case.org_unit == world.tree.community_a
    page = client.get(reverse("cases:track"), {"code": case.tracking_code.lower()})
    assert page.status_code == 200 and "路灯坏了" in page.content.decode()
    case = services.case_transition(actor=world.staff, case=case, action="accept", grid=world.tree.grid_a1)
    case = advance(case, world.grid_worker, "assign", "start", "resolve")
    response = client.post(
        reverse("cases:track"),
        {"code": case.tracking_code, "do": "rate", "rate-stars": "4", "rate-comment": "好"},
    )
    case.refresh_from_db()
    assert case.rating == 4 and case.status == "closed"


def test_tracking_code_that_does_not_exist(world, client):
    page = client.get(reverse("cases:track"), {"code": "NOSUCHCODE"})
    assert page.status_code == 404
    assert "No case has this tracking code" in page.content.decode()


def test_form_refuses_long_description_and_missing_category(world, login):
    client = login(world.resident_user)
    page = client.post(reverse("cases:report"), {"description": "漏" * 4001, "location_kind": "registered"})
    text = page.content.decode()
    assert page.status_code == 200 and Case.objects.count() == 0
    assert "This field is required" in text and "at most 4000 characters" in text


def test_form_refuses_a_photo_that_is_not_an_image(world, login):
    client = login(world.resident_user)
    fake = io.BytesIO(b"not an image at all")
    fake.name = "x.jpg"
    page = client.post(
        reverse("cases:report"),
        {"category": world.general.pk, "description": "x", "location_kind": "registered", "photos": [fake]},
    )
    assert page.status_code == 200 and Case.objects.count() == 0
    assert "not an image" in page.content.decode()


def test_html_in_description_is_escaped_on_the_page(world, make_case, login):
    case = make_case(description='<script>alert("x")</script>')
    page = login(world.grid_worker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_case_in_a_grid_the_user_does_not_cover_is_404(world, make_case, login):
    case = make_case()
    assert login(world.grid_worker2).get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert login(world.staff_b).get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert login(world.other_resident).get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert (
        login(world.staff_b).post(reverse("cases:act", args=[case.pk]), {"action": "accept"}).status_code
        == 404
    )


def test_station_call_appears_on_the_grid_workers_live_list(world, login):
    client = login(world.grid_worker)
    before = client.get(reverse("cases:grid_open"), HTTP_HX_REQUEST="true").content.decode()
    assert "停水" not in before
    response = client.post(
        reverse("cases:station", args=[world.station.pk]),
        {"phone": "13900003333", "category": world.utilities.pk, "note": "家里停水"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter_resident == world.caller
    live = client.get(reverse("cases:grid_open"), HTTP_HX_REQUEST="true").content.decode()
    assert f"#{case.pk}" in live and "家里停水" in live
    station_live = client.get(reverse("cases:station_open", args=[world.station.pk])).content.decode()
    assert f"#{case.pk}" in station_live
    # The station page, the worker's home panel and the queue poll often enough for "within 5 s".
    page = client.get(reverse("cases:station", args=[world.station.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    home = client.get("/").content.decode()
    assert f'hx-get="{reverse("cases:grid_open")}" hx-trigger="every 2s"' in home


def test_other_grid_worker_cannot_use_the_station(world, login):
    assert (
        login(world.grid_worker_b).get(reverse("cases:station", args=[world.station.pk])).status_code == 404
    )


def test_queue_highlights_overdue_and_polls(world, make_case, login, settings):
    case = make_case(world.emergency)
    from django.utils import timezone

    from gongzhi.cases.models import Case as C

    C.objects.filter(pk=case.pk).update(response_due=timezone.now() - timezone.timedelta(hours=1))
    client = login(world.staff)
    page = client.get(reverse("cases:queue")).content.decode()
    assert "Overdue" in page and 'hx-trigger="every 3s"' in page
    only = client.get(reverse("cases:queue"), {"overdue": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert f"#{case.pk}" in only and "<html" not in only


def test_handler_moves_the_case_and_the_timeline_shows_it(world, make_case, login):
    case = make_case()
    client = login(world.grid_worker)
    for action in ("accept", "assign", "start"):
        client.post(reverse("cases:act", args=[case.pk]), {"action": action})
    client.post(reverse("cases:act", args=[case.pk]), {"action": "resolve", "note": "换了灯泡"})
    case.refresh_from_db()
    assert case.status == "resolved"
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for label in ("Accepted", "Assigned", "Work started", "Resolved", "换了灯泡"):
        assert label in page
    resident = login(world.resident_user)
    resident.post(reverse("cases:rate", args=[case.pk]), {"stars": "5", "comment": "谢谢"})
    case.refresh_from_db()
    assert case.rating == 5


def test_invalid_transition_on_the_page_shows_the_refusal(world, make_case, login):
    case = make_case()
    client = login(world.grid_worker)
    response = client.post(
        reverse("cases:act", args=[case.pk]), {"action": "resolve", "note": "x"}, follow=True
    )
    assert "is not possible while the case is Submitted" in response.content.decode()


def test_resident_cannot_handle_and_other_resident_cannot_rate(world, make_case, login):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    assert (
        login(world.resident_user).post(reverse("cases:act", args=[case.pk]), {"action": "start"}).status_code
        == 403
    )
    assert (
        login(world.other_resident).post(reverse("cases:rate", args=[case.pk]), {"stars": "5"}).status_code
        == 404
    )


def test_my_cases_lists_own_and_followed(world, make_case, login):
    mine = make_case(description="我家的")
    make_case(reporter=world.other_resident, description="别人的")
    page = login(world.resident_user).get(reverse("cases:my_cases")).content.decode()
    assert f"#{mine.pk}" in page and "别人的" not in page


def test_duplicates_partial_while_typing(world, make_case, client):
    near = make_case(world.utilities, location_kind="point", lat="29.650000", long="91.130000")
    page = client.get(
        reverse("cases:duplicates"),
        {
            "category": world.utilities.pk,
            "community": world.tree.community_a.pk,
            "lat": "29.6505",
            "long": "91.1301",
        },
    ).content.decode()
    assert f"#{near.pk}" in page and "m away" in page
    far = client.get(
        reverse("cases:duplicates"),
        {
            "category": world.utilities.pk,
            "community": world.tree.community_a.pk,
            "lat": "29.66",
            "long": "91.13",
        },
    ).content.decode()
    assert f"#{near.pk}" not in far


def test_staff_merges_a_duplicate(world, make_case, login):
    master = make_case(world.utilities)
    dup = make_case(world.utilities, reporter=world.other_resident)
    response = login(world.staff).post(reverse("cases:merge", args=[dup.pk]), {"master": master.pk})
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.duplicate_of == master
    assert (
        login(world.grid_worker)
        .post(reverse("cases:merge", args=[master.pk]), {"master": dup.pk})
        .status_code
        == 403
    )


def test_escalate_to_consultation_from_the_page_links_a_topic(world, make_case, login):
    case = advance(make_case(), world.staff, "accept")
    client = login(world.staff)
    client.post(
        reverse("cases:act", args=[case.pk]),
        {"action": "escalate", "tier": "consultation", "note": "大事协商"},
    )
    case.refresh_from_db()
    assert case.tier == "consultation" and case.topic is not None
    topics = login(world.resident_user).get(reverse("deliberation:topic_list")).content.decode()
    assert case.topic.title in topics
    assert Topic.objects.count() == 1


def test_mediation_page_flow(world, make_case, login):
    case = make_case(world.dispute)
    client = login(world.staff)
    url = reverse("cases:mediation", args=[case.pk])
    client.post(url, {"what": "type", "dispute_type": "neighbour"})
    client.post(url, {"what": "party", "name": "王先生", "role": "楼下"})
    # A resident party is found by phone and takes the registry's name; an unknown number changes nothing.
    client.post(url, {"what": "party", "name": "", "phone": "139 0000 3333", "role": "楼上"})
    refused = client.post(url, {"what": "party", "name": "谁", "phone": "13000000000"}, follow=True)
    assert "No resident of this community has that phone number." in refused.content.decode()
    parties = list(case.mediation.parties.values_list("name", "resident"))
    assert parties == [("王先生", None), ("卓玛", world.caller.pk)]
    client.post(url, {"what": "session", "held_at": "2026-06-01T10:00", "room": "调解室", "notes": "第一次"})
    client.post(url, {"what": "outcome", "outcome": "agreement", "agreement_text": "赔偿维修费"})
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for text in ("Neighbours", "王先生", "调解室", "Agreement reached", "赔偿维修费"):
        assert text in page


def test_metrics_page_definitions_chart_and_xlsx(world, make_case, login):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start", "resolve")
    services.case_rate(actor=world.resident_user, case=case, stars=5)
    client = login(world.staff)
    page = client.get(reverse("cases:metrics")).content.decode()
    assert "Ratings of 4 or 5 stars, out of all rated cases" in page
    assert 'id="case-chart-data" type="application/json"' in page
    assert "100.0%" in page
    export = client.get(reverse("cases:metrics_xlsx"))
    assert export.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export.content))
    assert book.active["B2"].value == 1
    assert login(world.resident_user).get(reverse("cases:metrics")).status_code == 403


def test_category_management(world, login):
    client = login(world.staff)
    response = client.post(
        reverse("cases:category_create"),
        {
            "code": "noise",
            "name": "噪音扰民",
            "default_tier": "grid",
            "response_amount": 4,
            "response_unit": "hours",
            "resolution_amount": 3,
            "resolution_unit": "days",
            "sort_order": 5,
            "is_active": "on",
            "extra_fields": '[{"code": "time", "label": "When", "datatype": "datetime"}]',
        },
    )
    assert response.status_code == 302
    assert "噪音扰民" in client.get(reverse("cases:category_list")).content.decode()
    assert login(world.grid_worker).get(reverse("cases:category_create")).status_code == 403


def test_queue_and_metrics_cost_the_same_queries_at_any_size(world, make_case, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            case = make_case(
                description=f"case {i}",
                reporter=world.other_resident if i % 2 else None,
                location_kind="point",
                lat=f"29.65{i:04d}",
                long="91.130000",
            )
            if i % 3 == 0:
                advance(case, world.grid_worker, "accept")

    def cost(client, url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    staff, worker, resident = login(world.staff), login(world.grid_worker), login(world.resident_user)
    pages = {
        staff: ("/cases/", "/cases/?overdue=1", "/cases/metrics/", "/api/v1/cases", "/cases/metrics.xlsx"),
        # The grid worker's queue and live list, the resident's own list and the map's dots.
        worker: ("/cases/", "/cases/open/", "/cases/?open=1"),
        resident: ("/cases/mine/", "/cases/map-points/"),
    }
    add(3)
    small = {(id(c), url): cost(c, url) for c, urls in pages.items() for url in urls}
    add(40)
    large = {(id(c), url): cost(c, url) for c, urls in pages.items() for url in urls}
    assert small == large


def test_home_panels_for_each_role(world, make_case, login):
    make_case()
    assert "My requests" in login(world.resident_user).get("/").content.decode()
    assert "open cases" in login(world.grid_worker).get("/").content.decode()
    assert "Service centre: case queue" in login(world.staff).get("/").content.decode()


def test_category_extra_questions_are_asked_and_checked(world, login, client):
    cat = services.category_save(
        actor=None,
        org_unit=world.tree.community_a,
        code="elderly",
        name="助老",
        extra_fields=[
            {
                "code": "service",
                "label": "Service",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "errand", "name": "Errand"}, {"key": "escort", "name": "Escort"}],
            }
        ],
    )
    partial = client.get(reverse("cases:extra_fields"), {"category": cat.pk}).content.decode()
    assert 'name="extra_service"' in partial and "Escort" in partial
    resident = login(world.resident_user)
    data = {"category": cat.pk, "description": "陪诊", "location_kind": "registered"}
    page = resident.post(reverse("cases:report"), data)
    assert page.status_code == 200 and "Answer the question" in page.content.decode()
    resident.post(reverse("cases:report"), {**data, "extra_service": "escort"})
    assert Case.objects.get().extra == {"service": "escort"}


def test_public_form_does_not_attach_the_case_to_the_account_of_a_typed_phone(world, client):
    client.post(
        reverse("cases:report"),
        {
            "category": world.general.pk,
            "description": "x",
            "location_kind": "address",
            "address": "纳金路1号",
            "community": world.tree.community_a.pk,
            "name": "某人",
            "phone": "13800001111",
        },
    )
    case = Case.objects.get()
    assert case.reporter is None and case.reporter_resident == world.resident
    assert case not in world.resident_user.reported_cases.all()


def test_tracking_page_is_rate_limited(world, client):
    statuses = [client.get(reverse("cases:track"), {"code": f"GUESS{i:05d}"}).status_code for i in range(32)]
    assert statuses[:30] == [404] * 30 and statuses[-1] == 429


def test_resolution_with_photos_shows_on_the_case(world, make_case, login):
    case = advance(make_case(), world.grid_worker, "accept", "assign", "start")
    client = login(world.grid_worker)
    client.post(
        reverse("cases:act", args=[case.pk]),
        {"action": "resolve", "note": "修好了", "photos": [png_file(), png_file()]},
    )
    case.refresh_from_db()
    assert case.status == "resolved" and case.photos.filter(stage="resolution").count() == 2
    photo = case.photos.first().upload
    assert login(world.resident_user).get(reverse("core:upload", args=[photo.pk])).status_code == 200
    assert login(world.staff_b).get(reverse("core:upload", args=[photo.pk])).status_code in (403, 404)


def test_the_forms_ask_the_categorys_extra_questions_and_the_case_shows_the_answers(world, login):
    category = services.category_save(
        actor=None,
        org_unit=world.tree.community_a,
        code="elderly",
        name="助老",
        extra_fields=[
            {
                "code": "service",
                "label": "Service",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "errand", "name": "Errand"}, {"key": "escort", "name": "Escort"}],
            }
        ],
    )
    extra_url = reverse("cases:extra_fields")
    # Choosing a category fetches its questions into the form, on the resident's and the staff's form.
    report_page = login(world.resident_user).get(reverse("cases:report")).content.decode()
    assert f'hx-get="{extra_url}"' in report_page and 'id="extra-fields"' in report_page
    staff = login(world.staff)
    enter_page = staff.get(reverse("cases:enter")).content.decode()
    assert f'hx-get="{extra_url}"' in enter_page and 'id="extra-fields"' in enter_page
    data = {
        "channel": "staff_entry",
        "org_unit": world.tree.grid_a1.pk,
        "category": category.pk,
        "description": "老人需要陪诊",
        "name": "次仁",
        "phone": "",
    }
    refused = staff.post(reverse("cases:enter"), data)
    assert refused.status_code == 200 and "Answer the question" in refused.content.decode()
    assert not Case.objects.exists()
    response = staff.post(reverse("cases:enter"), {**data, "extra_service": "escort"})
    case = Case.objects.get()
    assert response.status_code == 302 and case.extra == {"service": "escort"}
    page = staff.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<dt>Service</dt><dd translate="no">Escort</dd>' in page


def test_the_location_picker_marks_a_point_and_shows_open_cases_nearby(world, make_case, client, login):
    page = client.get(reverse("cases:report")).content.decode()
    assert "data-case-map" in page and "cases_map.js" in page and "echarts.min.js" in page
    assert "data-case-map" in login(world.staff).get(reverse("cases:enter")).content.decode()
    make_case(world.utilities, location_kind="point", lat="29.650000", long="91.130000", description="秘密")
    url = reverse("cases:map_points")
    # An anonymous visitor names the community (or one of its grids); a resident gets their own.
    for query in ({"community": world.tree.community_a.pk}, {"community": world.tree.grid_a2.pk}):
        body = client.get(url, query).json()
        assert body["points"] == [{"lat": 29.65, "long": 91.13, "name": "水电暖"}]
    assert "秘密" not in client.get(url, {"community": world.tree.community_a.pk}).content.decode()
    assert client.get(url, {"community": world.tree.community_b.pk}).json()["points"] == []
    assert client.get(url, {"community": "x"}).json()["points"] == []
    mine = login(world.resident_user).get(url).json()
    assert len(mine["points"]) == 1 and mine["centre"] == [29.65, 91.13]
