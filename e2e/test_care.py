"""Care for the elderly (夕阳行动): the grid worker, on the phone and in Tibetan, visits an elderly
resident whose visit is overdue, records the home visit with a photo and orders a meal service for the
need found; the order is assigned to a volunteer, scheduled, done and rated; community staff see it
in the service-order list on the desktop."""

import datetime
import re
from zoneinfo import ZoneInfo

from PIL import Image

from conftest import DESKTOP, PHONE


def local_today() -> datetime.date:
    """The date in Lhasa (the app's time zone), which is not the test machine's date at every hour."""
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def number(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _step(j, action, fill=None):
    """Submit one step of a service order: the order page shows one form per allowed step."""
    form = j.page.locator(f"main form:has(input[name=action][value={action}])")
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            if value is None:
                field.select_option(index=1)
            else:
                field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    j.page.wait_for_load_state()
    assert j.page.locator(".messages .msg-success").count() == 1, j.page.locator(
        ".messages"
    ).all_inner_texts()


def test_a_grid_worker_records_a_home_visit_and_the_service_order_runs_to_its_rating(journey, tmp_path):
    worker = journey(PHONE, language="bo", name="care-grid-worker")
    worker.login("grid1")
    worker.goto("/care/?overdue=1")
    stats = worker.page.locator("main .stats .stat strong")
    overdue_before = number(stats.nth(1).inner_text())
    assert overdue_before >= 1, "the demo has overdue visits in grid one"
    worker.check_tibetan()
    worker.check_a11y()
    worker.shot("roster-overdue")

    person = worker.page.locator("main ul.list li a").first
    name = person.inner_text().strip()
    person.click()
    worker.page.wait_for_load_state()
    person_url = worker.page.url
    assert worker.page.locator("main h1").inner_text().strip() == name
    orders_before = worker.page.locator("main li:has(a[href*='/care/orders/'])").count()
    worker.check_tibetan()
    worker.check_a11y()
    worker.shot("person")

    # The visit form: home visit, today, what was seen, the wellbeing checks, a need and a photo.
    worker.page.locator("main a[href$='/visit/']").click()
    worker.page.wait_for_load_state()
    worker.check_tibetan()
    worker.check_a11y()
    today = local_today().isoformat()
    assert worker.page.input_value("#id_visited_on") == today
    worker.page.select_option("#id_kind", "home")
    situation = f"ཨ་ཅག་བདེ་པོ་འདུག 家中整洁，精神好。{today}"
    worker.page.fill("#id_situation", situation)
    worker.page.check("input[name=wellbeing][value=eating_well]")
    worker.page.check("input[name=wellbeing][value=home_safe]")
    worker.page.fill("#id_needs", "腿脚不便，需要送餐上门。")
    meal = worker.page.locator("#id_order_service_type option").nth(1)
    service = meal.inner_text().strip()
    worker.page.select_option("#id_order_service_type", meal.get_attribute("value"))
    photo = tmp_path / "visit.png"
    Image.new("RGB", (64, 48), (200, 160, 40)).save(photo)
    worker.page.set_input_files("#id_photos", str(photo))
    worker.shot("visit-form")
    worker.page.click("main form button[type=submit].btn-primary")
    worker.page.wait_for_load_state()

    # Back on the person's page: the visit is listed first, dated today, and the next one is due later.
    assert worker.page.url.split("?")[0] == person_url.split("?")[0]
    assert worker.page.locator(".messages .msg-success").count() == 1
    first_visit = worker.page.locator("main section.card li", has_text=situation).first
    assert today in first_visit.inner_text()
    assert first_visit.locator("a[href^='/files/']").count() == 1  # the photo
    facts = worker.page.locator("main dl.facts dd")
    facts_text = facts.all_inner_texts()
    assert today in facts_text, facts_text
    due = [t for t in facts_text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.strip())]
    assert due and max(due) > today, facts_text
    # The need found opened a service order for this person.
    orders = worker.page.locator("main li:has(a[href*='/care/orders/'])")
    assert orders.count() == orders_before + 1
    worker.check_tibetan()
    worker.shot("visit-recorded")

    # One fewer overdue visit on the roster.
    worker.goto("/care/?overdue=1")
    assert number(stats.nth(1).inner_text()) == overdue_before - 1
    assert worker.page.locator(f"main ul.list li a[href='{path_of(person_url)}']").count() == 0
    worker.shot("roster-after")

    # The order: assigned to a volunteer of the team, scheduled, done with the hours, rated.
    worker.page.goto(person_url)
    worker.page.locator("main li:has(a[href*='/care/orders/'])").filter(has_text=service).first.locator(
        "a"
    ).click()
    worker.page.wait_for_load_state()
    order_url = worker.page.url
    worker.check_tibetan()
    worker.check_a11y()
    worker.shot("order-requested")
    _step(worker, "assign", {"select[name=volunteer]": None})
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()
    _step(worker, "schedule", {"input[name=scheduled_for]": f"{tomorrow}T11:30"})
    assert f"{tomorrow} 11:30" in worker.page.locator("main dl.facts").inner_text()
    worker.shot("order-scheduled")
    _step(
        worker,
        "complete",
        {
            "textarea[name=done_note]": "午餐已送到，老人吃完。",
            "input[name=confirmed_by]": name,
            "input[name=hours]": "2",
        },
    )
    done = worker.page.locator("main dl.facts").inner_text()
    assert "午餐已送到，老人吃完。" in done and "2" in done
    _step(worker, "rate", {"select[name=rating]": "5", "input[name=comment]": "很满意"})
    assert "5 / 5" in worker.page.locator("main dl.facts").inner_text()
    assert worker.page.locator("main form input[name=action]").count() == 0  # nothing left to do
    worker.check_tibetan()
    worker.check_a11y()
    worker.shot("order-rated")

    # Community staff, at the desktop, find the rated order in the service-order list.
    staff = journey(DESKTOP, name="care-staff")
    staff.login("staff")
    staff.goto("/care/orders/?state=rated")
    row = staff.page.locator("main ul.list li", has=staff.page.locator(f"a[href='{path_of(order_url)}']"))
    assert row.count() == 1
    assert row.locator(".tag").inner_text().strip() == "已评价"
    staff.check_a11y()
    staff.shot("orders-rated")
