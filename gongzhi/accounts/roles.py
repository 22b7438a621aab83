"""The roles of Gongzhi and what each may broadly do. Apps combine these sets in their rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    # A wall-display account (大屏) that sees only aggregates; listed early so it is never anyone's
    # primary role when they hold another.
    DISPLAY = "display", _("Display screen")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    SECRETARY = "secretary", _("Community secretary")
    FINANCE_STAFF = "finance_staff", _("Community finance staff")
    PARTNER_STAFF = "partner_staff", _("Partner unit staff")
    HEALTH_WORKER = "health_worker", _("Community health worker")
    STREET_STAFF = "street_staff", _("Street staff")
    COUNTY_STAFF = "county_staff", _("County staff")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# Three-admin separation (三权分立): no user may hold two of these.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Roles that work inside a community and change its business data.
WORKER_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SECRETARY})
# Roles that read the business data of their subtree.
READER_ROLES = WORKER_ROLES | {Role.STREET_STAFF, Role.COUNTY_STAFF, Role.AUDITOR}
# Staff roles that see personal data (and therefore need a second factor, see the Security issue).
# Finance staff keep the collective economy's books (tenants' ID numbers, payments) and nothing else:
# they are not workers or readers of the other apps. Health workers (family-doctor team, community
# health station) see health records and nothing else.
PERSONAL_DATA_ROLES = READER_ROLES | {Role.PARTNER_STAFF, Role.FINANCE_STAFF, Role.HEALTH_WORKER}
# Everybody who logs in with a username rather than a phone number.
STAFF_ROLES = PERSONAL_DATA_ROLES | ADMIN_ROLES

# The org-unit kind each role is normally assigned at; used by forms and the demo.
ROLE_UNIT_KIND = {
    Role.RESIDENT: "community",
    Role.DISPLAY: "community",
    Role.GRID_WORKER: "grid",
    Role.COMMUNITY_STAFF: "community",
    Role.SECRETARY: "community",
    Role.FINANCE_STAFF: "community",
    Role.PARTNER_STAFF: "community",
    Role.HEALTH_WORKER: "community",
    Role.STREET_STAFF: "street",
    Role.COUNTY_STAFF: "district",
    Role.AUDITOR: "district",
    Role.SYSTEM_ADMIN: "district",
    Role.SECURITY_ADMIN: "district",
    Role.AUDIT_ADMIN: "district",
}
