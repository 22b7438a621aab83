"""The community cockpit: the secretary opens it at the desk (in Tibetan), the tiles show this year's
figures with the change on a year earlier, and a tile opens the list behind its figure. The service
centre's wall display (大屏, the `display` account) shows the same aggregates and no personal data,
and cannot open the cockpit, the register or a case."""

import re

from conftest import DESKTOP, PHONE, demo_db

WALL = {"width": 1920, "height": 1080}


def spilling(j, tile_selector):
    """Tiles whose figure does not fit inside them (a long money figure cut off or over its neighbour)."""
    return j.page.evaluate(
        "s => [...document.querySelectorAll(s)].filter(t => t.scrollWidth > t.clientWidth + 1)"
        ".map(t => t.textContent.replace(/\\s+/g, ' ').trim().slice(0, 40))",
        tile_selector,
    )


FIGURE = re.compile(r"^(—|-?[\d,.]+\s*%?.*)$")


def test_the_secretary_reads_the_cockpit_and_a_tile_opens_its_list(journey):
    j = journey(DESKTOP, language="bo", name="cockpit-secretary")
    j.login("secretary")
    j.goto("/dashboard/")
    assert re.search(r"/dashboard/units/\d+/$", j.page.url), j.page.url
    cockpit_url = j.page.url
    tiles = j.page.locator("main .stat.tile")
    assert tiles.count() >= 6
    figures = [t.strip() for t in j.page.locator("main .stat.tile .num").all_inner_texts()]
    assert all(FIGURE.match(f) for f in figures), figures
    assert any(re.match(r"^[1-9][\d,]*", f) for f in figures), f"every figure is empty: {figures}"
    assert j.page.locator("main .chart[data-chart=trend] canvas").count() == 1  # the chart was drawn
    assert not spilling(j, "main .stat.tile"), spilling(j, "main .stat.tile")
    j.check_tibetan()
    j.check_a11y()
    j.shot("cockpit")

    # Every tile that links to its list opens that list (the secretary works on in Chinese here).
    j.use_language("zh-hans")
    hrefs = []
    for link in j.page.locator("main a.stat.tile").all():
        href = link.get_attribute("href")
        if href not in hrefs:
            hrefs.append(href)
    assert len(hrefs) >= 5, hrefs
    for i, href in enumerate(hrefs):
        response = j.goto(href)
        assert response.status == 200, f"{href} answered {response.status}"
        assert j.page.locator("main h1").count() >= 1, f"{href} has no heading"
        j.check_a11y()
        j.shot(f"tile-{i}")
    j.page.goto(cockpit_url)

    # Last year's figures and a month can be chosen.
    j.page.select_option("main select[name=period]", index=1)
    j.page.click("main form.filters:has(select[name=period]) button[type=submit]")
    j.page.wait_for_load_state()
    assert "period=" in j.page.url
    assert j.page.locator("main .stat.tile").count() == tiles.count()
    j.shot("cockpit-other-period")

    # The A4 work report reads in sentences.
    j.page.goto(cockpit_url.split("?")[0] + "report/")
    assert j.page.locator("main p").count() >= 1
    j.check_a11y()
    j.shot("report")


def test_the_wall_display_shows_aggregates_and_no_personal_data(journey):
    # Names a careless screen could show: the top volunteers and some residents of the register.
    names = [row[0] for row in demo_db("SELECT name FROM registry_resident ORDER BY id LIMIT 40")]
    assert names
    display = journey(WALL, language="bo", name="cockpit-display")
    display.login("display")
    display.goto("/dashboard/")
    assert re.search(r"/dashboard/units/\d+/screen/$", display.page.url), display.page.url
    screen_path = "/" + display.page.url.split("/", 3)[3]
    unit_id = screen_path.split("/")[3]
    tiles = display.page.locator(".screen-tile .num")
    assert tiles.count() >= 6
    assert all(FIGURE.match(t.strip()) for t in tiles.all_inner_texts())
    assert not spilling(display, ".screen-tile"), spilling(display, ".screen-tile")
    text = display.page.locator("body").inner_text()
    assert not re.search(r"1[3-9]\d{9}", text), "a mobile number on the wall display"
    assert not re.search(r"\d{17}[\dXx]", text), "an ID number on the wall display"
    shown = [n for n in names if n in text]
    assert not shown, f"residents named on the wall display: {shown}"
    display.check_tibetan()
    display.check_a11y()
    display.shot("screen")

    # The display account reaches nothing else.
    for path in (f"/dashboard/units/{unit_id}/", "/registry/", "/cases/", "/care/"):
        response = display.goto(path)
        assert response.status in (403, 404), f"{path} answered {response.status} to the display"
        display.errors = [e for e in display.errors if path not in e and "status of 40" not in e]
    display.shot("refused")

    # On a phone the same screen stacks its tiles.
    phone = journey(PHONE, name="cockpit-display-phone")
    phone.login("display")
    phone.goto(screen_path)
    overflow = phone.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = phone.page.evaluate(
        """[document.body.scrollWidth, window.innerWidth, ...[...document.querySelectorAll('body *')].filter(e => e.scrollWidth >
           document.documentElement.clientWidth + 1 || e.getBoundingClientRect().width > 390).slice(0, 8).map(e => e.tagName + '.' + e.className + ':' + e.scrollWidth + '/' + e.getBoundingClientRect().width)]"""
    )
    assert overflow <= 1, f"the screen scrolls sideways by {overflow}px on a phone: {wide}"
    assert not spilling(phone, ".screen-tile"), spilling(phone, ".screen-tile")
    phone.shot("screen-phone")
