"""Extension points through which the domain apps plug into the shell without core importing them.

- navigation entries (shown only to users a named permission allows),
- panels on the role home pages,
- demo builders run by `core_demo` in order.
"""

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


@dataclass
class _Registry:
    nav: dict = field(default_factory=dict)
    panels: dict = field(default_factory=dict)
    demo: dict = field(default_factory=dict)


registry = _Registry()


def register_nav(item: NavItem) -> None:
    registry.nav[item.key] = item


def register_home_panel(panel: HomePanel) -> None:
    registry.panels[panel.key] = panel


def register_demo_step(step: DemoStep) -> None:
    registry.demo[step.key] = step


def nav_items():
    return sorted(registry.nav.values(), key=lambda i: (i.order, i.key))


def home_panels():
    return sorted(registry.panels.values(), key=lambda p: (p.order, p.key))


def demo_steps():
    return sorted(registry.demo.values(), key=lambda s: (s.order, s.key))
