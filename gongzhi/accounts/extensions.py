from django.utils.translation import gettext_lazy as _

from gongzhi.core.extension_points import NavItem, register_nav

register_nav(NavItem("accounts", _("Accounts"), "accounts:user_list", "accounts.view_users", order=950))
