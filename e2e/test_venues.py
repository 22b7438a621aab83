"""Journeys over the function rooms: a resident books a free slot from the week view, and the same
slot cannot be booked twice."""

from urllib.parse import unquote

from conftest import PHONE

ROOM = "邻里汇"  # confirmed at once, open every day, residents may book


def test_a_resident_books_a_free_slot_and_a_second_booking_of_it_is_refused(journey):
    first = journey(PHONE, name="venues-first-resident")
    first.login("13908910001")
    first.goto("/venues/")
    first.shot("rooms")
    first.page.click(f"ul.rooms a:has-text('{ROOM}')")
    first.page.wait_for_load_state()
    assert ROOM in first.page.locator("h1").inner_text()
    first.shot("room-week")
    # Four weeks ahead, past the demo's booked weeks; the week view swaps in by htmx.
    for _ in range(4):
        monday = first.page.locator("#week .week-nav strong").inner_text()
        first.page.click("#week .week-nav a >> nth=1")
        first.page.wait_for_function(
            "m => document.querySelector('#week .week-nav strong').textContent !== m", arg=monday
        )
    first.shot("week-ahead")
    slot = first.page.locator("#week li.slot-free a").first
    slot_text = slot.inner_text().split(" ·")[0]
    slot.click()
    first.page.wait_for_load_state()
    booking_path = first.page.url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    day = unquote(first.page.url.split("start=", 1)[1])[:10]
    assert first.page.locator("#id_date").input_value() == day
    assert first.page.locator("#id_start_time").input_value().startswith(slot_text.split("–")[0])
    first.page.fill("#id_purpose", "楼栋茶话会")
    first.page.fill("#id_headcount", "6")
    first.shot("booking-form")
    first.page.click("form button[type=submit].btn-primary")
    first.page.wait_for_load_state()
    assert first.page.url.endswith("/venues/my/")
    assert first.page.locator(".messages .msg-success").count() == 1
    mine = first.page.locator("main ul.list").inner_text()
    assert ROOM in mine and slot_text.split("–")[0] in mine, mine
    first.check_a11y()
    first.shot("my-bookings")

    # Another resident opens the very same slot and is told it is taken.
    second = journey(PHONE, name="venues-second-resident")
    second.login("13908910002")
    second.goto("/" + booking_path)
    second.page.fill("#id_date", day)
    second.page.fill("#id_purpose", "书法兴趣小组")
    second.page.fill("#id_headcount", "4")
    second.page.click("form button[type=submit].btn-primary")
    second.page.wait_for_load_state()
    assert "/book/" in second.page.url
    assert f"{ROOM} 该时段已被预约。" in second.page.locator("main form").inner_text()
    second.check_a11y()
    second.shot("slot-taken")

    # The first resident trying again is refused the same way.
    first.goto("/" + booking_path)
    first.page.fill("#id_date", day)
    first.page.fill("#id_purpose", "楼栋茶话会")
    first.page.fill("#id_headcount", "6")
    first.page.click("form button[type=submit].btn-primary")
    first.page.wait_for_load_state()
    assert f"{ROOM} 该时段已被预约。" in first.page.locator("main form").inner_text()
    first.shot("own-slot-taken")


def test_a_slot_chosen_in_the_week_view_fills_the_booking_date_in_chinese(journey):
    j = journey(PHONE)
    j.login("13908910003")
    j.goto("/venues/")
    j.page.click(f"ul.rooms a:has-text('{ROOM}')")
    j.page.wait_for_load_state()
    monday = j.page.locator("#week .week-nav strong").inner_text()
    j.page.click("#week .week-nav a >> nth=1")
    j.page.wait_for_function(
        "m => document.querySelector('#week .week-nav strong').textContent !== m", arg=monday
    )
    j.page.locator("#week li.slot-free a").first.click()
    j.page.wait_for_load_state()
    j.shot("booking-form-date")
    assert j.page.locator("#id_date").input_value() == unquote(j.page.url.split("start=", 1)[1])[:10]
