"""Demo: a wall-display account for Najin's service centre, plausible boundaries for Najin's grids
and communities (east of central Lhasa, about 29.655°N 91.17°E) so that the cockpit draws its map,
and the first computation of the summaries once every other app has built its data (this step runs
last)."""

from gongzhi.accounts import services as account_services
from gongzhi.accounts.roles import Role
from gongzhi.core import services as core_services

from . import services

# Najin community, split into its grids from west to east along the Lhasa river's north bank.
NAJIN_LAT = (29.6480, 29.6625)
NAJIN_LON = (91.1600, 91.1830)
OTHER_LON = (91.1420, 91.1600)


def _polygon(west, east, south, north, wobble=0.0):
    """A closed ring, a little irregular so that it reads as a drawn grid rather than a box."""
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [west, south],
                [round((west + east) / 2, 5), round(south - wobble, 5)],
                [east, south],
                [round(east + wobble, 5), round((south + north) / 2, 5)],
                [east, north],
                [round((west + east) / 2, 5), round(north + wobble, 5)],
                [west, north],
                [west, south],
            ]
        ],
    }


def _boundaries(context):
    units, grids = context["units"], context.get("grids", [])
    south, north = NAJIN_LAT
    west, east = NAJIN_LON
    step = (east - west) / max(len(grids), 1)
    for i, grid in enumerate(grids):
        w = round(west + i * step, 5)
        e = round(west + (i + 1) * step, 5)
        wobble = 0.0006 if i < len(grids) - 1 else 0.0
        core_services.orgunit_set_boundary(
            unit=grid, actor=None, boundary=_polygon(w, e, south, north, wobble)
        )
    core_services.orgunit_set_boundary(
        unit=units["community"], actor=None, boundary=_polygon(west, east, south, north)
    )
    other = _polygon(OTHER_LON[0], OTHER_LON[1], south + 0.001, north - 0.0015)
    core_services.orgunit_set_boundary(unit=units["other_community"], actor=None, boundary=other)
    core_services.orgunit_set_boundary(unit=units["other_grid"], actor=None, boundary=other)


def build(context, rng, stdout):
    community = context["units"]["community"]
    user = account_services.user_create(
        actor=None, username="display", password=context["password"], display_name="纳金社区大屏"
    )
    account_services.role_assign(actor=None, user=user, role=Role.DISPLAY, org_unit=community)
    context["users"]["display"] = user
    _boundaries(context)
    result = services.summaries_refresh()
    stdout.write(
        f"  cockpit: display account 'display' for {community.name}; boundaries for its grids; "
        f"{len(result.periods)} periods summarised ({result.rows} figures)"
    )
