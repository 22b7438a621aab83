"""Journeys over the platform's shell: languages, sign-in and scoping."""

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


def test_another_communitys_object_is_not_reachable_by_url(journey):
    najin = journey(DESKTOP, name="najin-staff")
    najin.login("staff")
    najin.goto("/partners/")
    najin.page.click("ul.list a >> nth=0")
    najin.page.wait_for_load_state()
    partner_url = najin.page.url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    najin.shot("own-partner")

    other = journey(DESKTOP, name="other-staff")
    other.login("staff2")
    response = other.goto("/" + partner_url)
    assert response.status == 404
    assert other.page.locator("h1").inner_text() == "页面不存在"
    other.shot("foreign-partner-404")
    # A 404 is an expected answer here, not a failure of the journey.
    other.errors = [e for e in other.errors if not e.startswith("HTTP 404") and "status of 404" not in e]


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
