"""Open311 GeoReport v2: community staff issue a key for a partner system (the city's 12345 hotline);
the system posts a request with it; the case lands in the grid of the building it names, where the grid
worker handles it on the phone; the partner system reads the status change. Without a valid key a
request is refused with the spec's error list and creates nothing."""

import time

from conftest import DESKTOP, PHONE, demo_db

GRID_ONE = "540102003001-01"


def _building_of(grid_code: str) -> tuple[int, str]:
    """A building of the grid: the partner system was given the registry's building ids."""
    rows = demo_db(
        "SELECT b.id, b.address FROM registry_building b JOIN core_orgunit o ON o.id = b.org_unit_id "
        "WHERE o.code = ? ORDER BY b.id LIMIT 1",
        (grid_code,),
    )
    assert rows, f"no building in grid {grid_code}"
    return rows[0]


def _act(j, action, note=None):
    form = j.page.locator(f"main form:has(input[name=action][value={action}])")
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    j.page.wait_for_load_state()
    assert j.page.locator(".messages .msg-success").count() == 1, j.page.locator(
        ".messages"
    ).all_inner_texts()


def test_a_partner_system_posts_a_request_with_its_key_and_the_grid_worker_resolves_it(journey):
    stamp = int(time.time())
    staff = journey(DESKTOP, language="bo", name="open311-staff")
    staff.login("staff")
    staff.goto("/open311/keys/")
    staff.check_tibetan()
    staff.check_a11y()
    staff.shot("keys")
    key_name = f"城关区 12345 热线 {stamp}"
    staff.page.fill("#id_name", key_name)
    staff.page.click("main form[method=post] button[type=submit].btn-primary")
    staff.page.wait_for_load_state()
    secret = staff.page.locator("main code.secret").inner_text().strip()
    assert len(secret) >= 20
    row = staff.page.locator("main tbody tr", has_text=key_name)
    assert row.count() == 1 and row.locator(".tag-ok").count() == 1
    assert secret not in row.inner_text()  # only its first characters are listed
    staff.check_tibetan()
    staff.check_a11y()
    staff.shot("key-issued")

    # The partner system: no browser session, only its key.
    partner = journey(PHONE, name="open311-partner-system")
    api = partner.context.request
    base = f"{partner.server}/open311/v2"
    services = api.get(f"{base}/services.json")
    assert services.ok
    service = next(s for s in services.json() if not s["metadata"])
    building_id, address = _building_of(GRID_ONE)
    description = f"12345 转办：{address} 楼下路灯不亮 {stamp}"
    request = {
        "service_code": service["service_code"],
        "address_id": str(building_id),
        "description": description,
        "first_name": "热线来电人",
        "phone": "13908919999",
    }

    refused = api.post(f"{base}/requests.json", form={**request, "api_key": "not-a-key"})
    assert refused.status == 403
    assert refused.json()[0]["code"] == 403 and refused.json()[0]["description"]
    bad_place = api.post(f"{base}/requests.json", form={**request, "api_key": secret, "address_id": "999999"})
    assert bad_place.status == 400
    assert "address_id" in bad_place.json()[0]["description"]

    created = api.post(f"{base}/requests.json", form={**request, "api_key": secret})
    assert created.ok, created.text()
    request_id = created.json()[0]["service_request_id"]
    state = api.get(f"{base}/requests/{request_id}.json").json()[0]
    assert state["status"] == "open" and state["description"] == description
    assert "13908919999" not in str(state) and "热线来电人" not in str(state)  # no reporter data leaves

    # The grid worker of grid one finds it among the grid's open cases and resolves it.
    worker = journey(PHONE, name="open311-grid-worker")
    worker.login("grid1")
    worker.goto("/")
    live = worker.page.locator("main li", has_text=description[:20]).first
    live.wait_for(timeout=10_000)
    worker.shot("home-open-cases")
    live.locator("a").first.click()
    worker.page.wait_for_load_state()
    assert worker.page.url.endswith(f"/cases/{request_id}/")
    assert description in worker.page.locator("main").inner_text()
    worker.check_a11y()
    worker.shot("case")
    _act(worker, "accept")
    _act(worker, "assign")
    _act(worker, "start")
    _act(worker, "resolve", note="路灯已更换。")
    worker.shot("resolved")

    # The partner system reads the new status.
    state = api.get(f"{base}/requests/{request_id}.json").json()[0]
    assert state["status"] == "closed", state
    assert state["status_notes"], state

    # Staff revoke the key; the partner system is refused from then on.
    staff.goto("/open311/keys/")
    staff.page.locator("main tbody tr", has_text=key_name).locator("form button[type=submit]").click()
    staff.page.wait_for_load_state()
    assert staff.page.locator("main tbody tr", has_text=key_name).locator(".tag-danger").count() == 1
    staff.shot("key-revoked")
    assert api.post(f"{base}/requests.json", form={**request, "api_key": secret}).status == 403
