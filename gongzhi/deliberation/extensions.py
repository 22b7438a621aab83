from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import NavItem, register_nav

register_nav(
    NavItem(
        "deliberation",
        _("Deliberation corner"),
        "deliberation:topic_list",
        "deliberation.view_topics",
        order=400,
    )
)
