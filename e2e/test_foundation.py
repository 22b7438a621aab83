"""Journeys over the platform's shell: languages, sign-in and scoping."""

import re

import pytest

from conftest import DESKTOP, PHONE


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_language_switch_before_and_after_sign_in(journey, viewport):
    j = journey(viewport)
    j.goto("/accounts/login/")
    assert j.page.locator("h1").inner_text() == "登录"
    j.shot("login-zh")
    j.page.click("footer button[value=bo]")
    j.page.wait_for_load_state()
    assert j.page.locator("h1").inner_text() == "ནང་འཛུལ།"
    j.check_tibetan()
    j.check_a11y()
    j.shot("login-bo")
    j.login("staff")
    # A signed-in user's own choice wins; choose Tibetan again and it is stored on the account.
    j.page.click("footer button[value=bo]")
    j.page.wait_for_load_state()
    j.check_tibetan()
    j.shot("home-bo")
    for link in ("/org/", "/partners/", "/stations/"):
        j.goto(link)
        j.check_tibetan()
        j.check_a11y()
        j.shot(f"bo-{link.strip('/')}")
    j.page.click("footer button[value=en]")
    j.page.wait_for_load_state()
    assert "Grid stations" in j.page.locator("h1").inner_text()
    j.shot("en")


def test_a_resident_signs_in_with_a_phone_number_and_sees_the_household(journey):
    j = journey(PHONE, language="bo")
    j.login("13908910001")
    assert j.page.url.endswith("/")
    assert j.page.locator("h2", has_text="ངའི་ཁྱིམ་ཚང་།").count() == 1
    j.check_a11y()
    j.shot("resident-home")


def test_a_case_of_one_community_is_not_reachable_by_url_from_another(journey):
    # Najin's staff open a real case from their queue: its page and its API record answer.
    najin = journey(DESKTOP, name="najin-staff")
    najin.login("staff")
    najin.goto("/cases/")
    links = najin.page.locator("main a[href^='/cases/']")
    case_path = next(
        (h for h in (a.get_attribute("href") for a in links.all()) if re.fullmatch(r"/cases/\d+/", h)), None
    )
    assert case_path, "no case in Najin's queue"
    links.and_(najin.page.locator(f"[href='{case_path}']")).first.click()
    najin.page.wait_for_load_state()
    assert najin.page.url.endswith(case_path)
    case_id = case_path.strip("/").split("/")[-1]
    assert najin.page.locator("main h1").count() == 1
    assert najin.context.request.get(f"{najin.server}/api/v1/cases/{case_id}").status == 200
    najin.shot("own-case")

    # The staff of the neighbouring community 嘎玛贡桑 get the 404 page, in the page and in the API.
    other = journey(DESKTOP, name="other-community-staff")
    other.login("staff2")
    other.expect_not_found(case_path)
    assert other.page.locator("h1").inner_text() == "页面不存在"
    assert case_id not in other.page.locator("main").inner_text()
    other.check_a11y()
    other.shot("foreign-case-404")
    api = other.context.request.get(f"{other.server}/api/v1/cases/{case_id}")
    assert api.status == 404, api.status
    # Their own queue does not list it either.
    other.goto("/cases/")
    assert other.page.locator(f"main a[href='{case_path}']").count() == 0
    other.shot("other-queue")

    # In Tibetan the refusal reads in Tibetan too.
    other.use_language("bo")
    other.expect_not_found(case_path)
    other.check_tibetan()
    other.shot("foreign-case-404-bo")


@pytest.mark.parametrize("width", [360, 683], ids=["phone-360", "desktop-at-200pct-zoom"])
def test_pages_fit_narrow_screens_and_touch_targets_are_large(journey, width):
    j = journey({"width": width, "height": 800})
    j.login("grid1")
    for path in ("/", "/org/", "/stations/", "/partners/", "/notifications/", "/accounts/me/"):
        j.goto(path)
        overflow = j.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px"
        small = j.page.evaluate(
            """[...document.querySelectorAll('a.btn, button, .mainnav a, input:not([type=hidden]), select')]
               .filter(e => e.offsetParent !== null)
               .map(e => [e.textContent.trim().slice(0, 20) || e.name, e.getBoundingClientRect().height])
               .filter(([, h]) => h < 44)"""
        )
        assert not small, f"touch targets under 44px on {path}: {small}"
        j.shot(f"{width}-{path.strip('/') or 'home'}")
