from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import (
    DemoStep,
    HomePanel,
    NavItem,
    register_demo_step,
    register_home_panel,
    register_nav,
)

from . import selectors


def _my_household(request):
    resident = selectors.resident_of_user(request.user)
    if resident is None:
        return None
    return render_to_string(
        "registry/partials/my_household.html",
        {
            "resident": resident,
            "members": selectors.household_members(resident.household),
        },
        request=request,
    )


def _registry_counts(request):
    return render_to_string(
        "registry/partials/counts.html",
        {
            "counts": selectors.registry_counts(user=request.user),
            "grids": selectors.grid_household_counts(user=request.user),
        },
        request=request,
    )


def _attention(request):
    from gongzhi.accounts.roles import Role

    if Role.GRID_WORKER not in request.user.role_names():
        return None
    return render_to_string(
        "registry/partials/attention.html",
        {"residents": selectors.residents_needing_attention(user=request.user)},
        request=request,
    )


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_home_panel(
    HomePanel("registry.my_household", _my_household, "registry.view_own_household", order=500)
)
register_home_panel(HomePanel("registry.counts", _registry_counts, "registry.view_registry", order=800))
register_home_panel(HomePanel("registry.attention", _attention, "registry.change_resident", order=300))
register_nav(
    NavItem(
        "registry.residents", _("Residents"), "registry:resident_list", "registry.view_registry", order=20
    )
)
register_nav(
    NavItem(
        "registry.households", _("Households"), "registry:household_list", "registry.view_registry", order=21
    )
)
register_nav(
    NavItem("registry.my_card", _("My check-in card"), "registry:my_card", "registry.view_own_card", order=25)
)
register_demo_step(DemoStep("registry", _demo, order=20))
