"""The whole life of a resident's case: reported in Tibetan with a photo, handled by the grid worker on
the phone, rated by the resident, and counted on the secretary's metrics page."""

import time

from PIL import Image

from conftest import DESKTOP, PHONE


def _metrics_total(j) -> int:
    j.goto("/cases/metrics/")
    return int(j.page.locator("main .stats .stat .num").first.inner_text())


def _act(j, action, note=None):
    form = j.page.locator(f"main form:has(input[name=action][value={action}])")
    if note is not None:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    j.page.wait_for_load_state()
    assert j.page.locator(".messages .msg-success").count() == 1, j.page.locator(
        ".messages"
    ).all_inner_texts()


def test_a_tibetan_residents_case_is_handled_by_the_grid_worker_rated_and_counted(journey, tmp_path):
    secretary = journey(DESKTOP, name="cases-secretary")
    secretary.login("secretary")
    total_before = _metrics_total(secretary)
    secretary.shot("metrics-before")

    photo = tmp_path / "drain.png"
    Image.new("RGB", (64, 48), (40, 120, 200)).save(photo)
    description = f"ལམ་ཁའི་ཆུ་ལམ་འགགས་འདུག {int(time.time())}"

    # The resident of grid one (13908910001's household) reports in Tibetan.
    resident = journey(PHONE, language="bo", name="cases-resident")
    resident.login("13908910001")
    resident.goto("/cases/new/")
    # The form's own text is Tibetan, its category names included.
    resident.check_tibetan()
    resident.check_a11y()
    resident.page.fill("#id_description", description)
    resident.page.set_input_files("#id_photos", str(photo))
    resident.shot("report-form")
    resident.page.click("main form button[type=submit].btn-primary")
    resident.page.wait_for_url("**/cases/submitted/")
    assert resident.page.locator("code.token").inner_text().strip()
    resident.check_tibetan()
    resident.shot("submitted")
    resident.goto("/cases/mine/")
    mine = resident.page.locator("main ul.list li", has_text=description).first
    assert mine.count() == 1
    case_path = mine.locator("a").first.get_attribute("href")
    resident.shot("my-requests")
    resident.goto(case_path)
    assert resident.page.locator("main p.photos img").count() == 1
    resident.shot("case-with-photo")

    # The grid worker of grid one accepts, takes on, starts and resolves it on the phone.
    worker = journey(PHONE, name="cases-grid-worker")
    worker.login("grid1")
    worker.goto(case_path)
    assert description in worker.page.locator("main").inner_text()
    worker.shot("worker-case")
    _act(worker, "accept")
    _act(worker, "assign")
    _act(worker, "start")
    worker.shot("worker-started")
    _act(worker, "resolve", note="已疏通排水沟。")
    assert worker.page.locator("main").inner_text().count("已疏通排水沟。") >= 1
    worker.shot("worker-resolved")

    # The resident confirms and rates it.
    resident.goto(case_path)
    rate = resident.page.locator("#rate")
    rate.locator("input[name=stars][value='5']").check()
    rate.locator("form[action$='/rate/'] button[type=submit]").click()
    resident.page.wait_for_load_state()
    assert resident.page.locator(".messages .msg-success").count() == 1
    assert resident.page.locator("#rate").count() == 0
    resident.check_tibetan()
    resident.shot("rated")

    # The secretary's metrics count it.
    assert _metrics_total(secretary) == total_before + 1
    secretary.shot("metrics-after")


def test_the_report_form_is_all_tibetan_for_a_tibetan_resident(journey):
    j = journey(PHONE, language="bo")
    j.login("13908910002")
    j.goto("/cases/new/")
    j.shot("report-form-bo")
    j.check_tibetan()


def test_a_tap_on_the_map_marks_the_place_of_the_report(journey):
    j = journey(PHONE, name="cases-map")
    j.login("13908910002")
    j.goto("/cases/new/")
    canvas = j.page.locator("[data-case-map-canvas] canvas").first
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    j.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lat, long = float(j.page.input_value("#id_lat")), float(j.page.input_value("#id_long"))
    # Around the community (central Lhasa, 29.65 N 91.13 E), and the place is now "a point on the map".
    assert abs(lat - 29.65) < 0.05 and abs(long - 91.13) < 0.05
    assert j.page.locator("input[name=location_kind][value=point]").is_checked()
    j.shot("map-marked")
