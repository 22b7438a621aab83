from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import DemoStep, NavItem, register_demo_step, register_nav


def _demo(context, rng, stdout):
    from .demo import build

    build(context, rng, stdout)


register_nav(NavItem("open311.keys", _("Open311 keys"), "open311:key_list", "open311.manage_keys", order=175))
register_demo_step(DemoStep("open311", _demo, order=65))
