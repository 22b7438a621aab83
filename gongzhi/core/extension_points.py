"""Extension points through which the domain apps plug into the shell without core importing them.

- navigation entries (shown only to users a named permission allows),
- panels on the role home pages,
- demo builders run by `core_demo` in order,
- periodic jobs run by `core_scheduler`,
- cockpit metrics: the figures the dashboard summarises per org unit and period,
- card actions: what the counter's scan page can do with a scanned cloud check-in card besides the
  points bank (activities: check a person in or out of a session running now).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # a lazy translation
    url_name: str
    permission: str  # a django-rules permission name checked without an object
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class HomePanel:
    key: str
    render: Callable  # (request) -> str | None ; None hides the panel
    permission: str
    order: int = 100


@dataclass(frozen=True)
class DemoStep:
    key: str
    build: Callable  # (context: dict, rng: random.Random, stdout) -> None
    order: int = 100


@dataclass(frozen=True)
class CockpitMetric:
    """One figure of the community cockpit, contributed by the app that owns the data.

    `compute(*, start, end)` answers {org_unit_id: number} for every org unit that has data, over
    the dates `start` <= day < `end` (for kind "flow": what happened in the span; for kind "stock":
    the state on the day before `end`), in a fixed number of grouped queries whatever the number of
    units. Kind "ratio" has no compute: it is `numerator` / `denominator` (two other metrics' keys)
    as a percentage, summed first, so every level of the tree shares one definition."""

    key: str  # "<app>.<name>", unique
    label: str  # a lazy translation
    section: str  # the app or theme the tile is shown under, e.g. "cases"
    section_label: str  # a lazy translation
    compute: Callable | None = None
    kind: str = "flow"  # flow | stock | ratio
    unit: str = ""  # "" (a count), "yuan", "points", "hours", "%" (ratios)
    numerator: str = ""
    denominator: str = ""
    list_url: str = ""  # the URL name of the list behind the figure
    list_perm: str = ""  # the permission that list asks for, when not everyone who reads the cockpit has it
    order: int = 100
    tile: bool = True  # shown as a tile (False: a numerator or denominator only)
    trend: bool = False  # drawn in the monthly trend chart
    breakdown: bool = False  # drawn in the chart by grid / community / street
    description: str = ""  # a lazy translation: how the figure is counted, shown on the cockpit


@dataclass
class CardOutcome:
    """What a card action did, told to the staff member at the counter."""

    ok: bool
    message: str
    details: list = field(default_factory=list)  # further sentences (e.g. the points it earns)


@dataclass(frozen=True)
class CardAction:
    """Something the one scan page of the service centre (the points counter) can do with a scanned
    cloud check-in card, contributed by the app that owns it, so the counter never imports that app.

    `choices(request, community, wanted)` -> [(value, label)]: what can be chosen now (e.g. the
    sessions open for check-in); `wanted` is a value asked for in the address (kept when allowed).
    `perform(request, community, value, resident, by_card)` -> CardOutcome: does it for the resident
    the counter found (`by_card`: from a card token rather than a typed phone number or name).
    `panel(request, community, resident)` -> HTML or None, shown on the resident's counter page."""

    key: str
    choices: Callable
    perform: Callable
    panel: Callable | None = None
    order: int = 100


@dataclass
class _Registry:
    nav: dict = field(default_factory=dict)
    nav_version: int = 0
    panels: dict = field(default_factory=dict)
    demo: dict = field(default_factory=dict)
    cockpit: dict = field(default_factory=dict)
    card_actions: dict = field(default_factory=dict)


registry = _Registry()


def register_nav(item: NavItem) -> None:
    registry.nav[item.key] = item
    registry.nav_version += 1  # computed menus (core.context_processors) are stale


def register_home_panel(panel: HomePanel) -> None:
    registry.panels[panel.key] = panel


def register_demo_step(step: DemoStep) -> None:
    registry.demo[step.key] = step


def register_cockpit_metric(metric: CockpitMetric, *, replace: bool = True) -> None:
    """An app registers its own figures from its extensions module. `replace=False` registers a
    fallback that steps aside for the owning app's own definition of the same key."""
    if replace or metric.key not in registry.cockpit:
        registry.cockpit[metric.key] = metric


def register_card_action(action: CardAction) -> None:
    registry.card_actions[action.key] = action


def card_actions() -> list[CardAction]:
    return sorted(registry.card_actions.values(), key=lambda a: (a.order, a.key))


def nav_items():
    return sorted(registry.nav.values(), key=lambda i: (i.order, i.key))


def home_panels():
    return sorted(registry.panels.values(), key=lambda p: (p.order, p.key))


def demo_steps():
    return sorted(registry.demo.values(), key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class PeriodicJob:
    """A management command that `core_scheduler` runs on a schedule: every `every` (a timedelta),
    or once a day at local time `at` (catching up the same day when the runner starts later)."""

    key: str
    label: str  # a lazy translation
    command: str  # the management command's name, run with no arguments
    every: datetime.timedelta | None = None
    at: datetime.time | None = None

    def __post_init__(self):
        if (self.every is None) == (self.at is None):
            raise ValueError(f"periodic job {self.key}: give exactly one of every= or at=")
        if self.every is not None and self.every < datetime.timedelta(minutes=1):
            raise ValueError(f"periodic job {self.key}: run at most once a minute")


_periodic: dict[str, PeriodicJob] = {}


def register_periodic_job(job: PeriodicJob) -> None:
    _periodic[job.key] = job


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_periodic.values(), key=lambda j: j.key)


def cockpit_metrics():
    return sorted(registry.cockpit.values(), key=lambda m: (m.order, m.key))
