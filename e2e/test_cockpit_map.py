"""Journey of the cockpit: the secretary opens Najin's cockpit (in Tibetan), sees the care tiles and
the grid map drawn from the demo grids' boundaries, colours it by another measure; the street sees its
communities on a map; the wall display opens the large screen with the map and no links."""

from conftest import DESKTOP


def _map_drawn(page) -> bool:
    return page.locator('[data-chart="map"] canvas').count() >= 1


def test_the_cockpit_shows_care_tiles_and_a_grid_map_coloured_by_a_chosen_measure(journey):
    secretary = journey(DESKTOP, language="bo", name="cockpit-secretary")
    secretary.login("secretary")
    secretary.goto("/dashboard/")
    page = secretary.page
    assert page.locator("h2", has_text="རྒན་པ་དང་བྱིས་པ།").count() == 1  # the care section
    assert page.locator('a.stat[href="/care/"]').count() >= 1  # the roster tiles link to the roster
    page.locator('[data-chart="map"]').scroll_into_view_if_needed()
    page.wait_for_selector('[data-chart="map"] canvas')
    assert _map_drawn(page)
    page.select_option("[data-map-measure]", "care.roster")
    assert page.locator("#definitions dt").count() >= 3  # how households, the roster, … are counted
    secretary.check_a11y()
    secretary.check_tibetan()
    secretary.shot("cockpit-bo")

    street = journey(DESKTOP, name="cockpit-street")
    street.login("street")
    street.goto("/dashboard/")
    street.page.wait_for_selector('[data-chart="map"] canvas')
    assert street.page.locator("h2", has_text="社区地图").count() == 1
    street.check_a11y()
    street.shot("street-map")

    display = journey(DESKTOP, name="cockpit-display")
    display.login("display")
    display.goto("/dashboard/")
    display.page.wait_for_selector('[data-chart="map"] canvas')
    assert display.page.locator("a").count() == 0
    display.shot("screen")
