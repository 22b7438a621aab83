"""One-click call: a call logged at a grid station reaches the grid worker's open page live."""

import time

from conftest import PHONE

STATION = 1  # the demo's first station, 纳金 grid 1, with grid1 on duty


def test_a_call_logged_at_the_station_appears_on_the_grid_workers_open_page_without_a_reload(journey):
    worker = journey(PHONE, name="oneclick-grid-worker")
    worker.login("grid1")
    worker.goto("/")
    panel = worker.page.locator("section.card", has_text="本网格办理中的诉求").first
    assert panel.count() == 1
    worker.shot("worker-home-before")
    url_before = worker.page.url
    navigations = []
    worker.page.on("framenavigated", lambda f: f == worker.page.main_frame and navigations.append(f.url))

    note = f"一键呼叫测试 {int(time.time())}：3号楼电梯困人"
    desk = journey(PHONE, name="oneclick-station")
    desk.login("staff")
    desk.goto(f"/cases/station/{STATION}/")
    assert desk.page.locator("form select#id_category").count() == 1
    # The duty person's form has three fields at most.
    fields = desk.page.locator("main form[method=post] :is(input:not([type=hidden]), select, textarea)")
    assert fields.count() <= 3
    desk.page.fill("#id_phone", "13908910003")
    desk.page.fill("#id_note", note)
    desk.shot("call-form")
    logged_at = time.monotonic()
    desk.page.click("main form button[type=submit].btn-primary")
    desk.page.wait_for_load_state()
    assert desk.page.locator(".messages .msg-success").count() == 1

    # The worker's page, untouched, shows the call within five seconds of the click.
    worker.page.locator("main li", has_text=note[:20]).first.wait_for(timeout=5_000)
    assert time.monotonic() - logged_at <= 5
    desk.shot("call-logged")
    assert worker.page.url == url_before
    assert navigations == []
    worker.shot("worker-home-after")
