"""Login lockout. This file runs last: five failures also lock the test client's IP for 30 minutes."""

import re

from conftest import PASSWORD, PHONE


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_a_time_to_retry(journey):
    j = journey(PHONE)
    for attempt in range(5):
        j.goto("/accounts/login/")
        j.page.fill("#id_username", "grid3")
        j.page.fill("#id_password", f"wrong-{attempt}")
        j.page.click("button[type=submit].btn-primary")
        j.page.wait_for_load_state()
    j.shot("fifth-failure")
    j.goto("/accounts/login/")
    j.page.fill("#id_username", "grid3")
    j.page.fill("#id_password", PASSWORD)
    j.page.click("button[type=submit].btn-primary")
    j.page.wait_for_load_state()
    assert j.page.locator("h1").inner_text() == "登录已锁定"
    retry = j.page.locator("main strong").inner_text()
    assert re.search(r"\d{2}:\d{2}", retry), retry
    j.shot("locked")
    # The refusals are the expected answers of this journey.
    j.errors = [e for e in j.errors if not re.search(r"HTTP 4\d\d|status of 4\d\d", e)]
