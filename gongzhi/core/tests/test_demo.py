import pytest
from django.core.management import call_command

from gongzhi.accounts.models import User
from gongzhi.core.models import GridStation, OrgUnit, PartnerUnit
from gongzhi.registry.models import Household, Resident

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_demo_community_is_built_once(client):
    call_command("core_demo", verbosity=0)
    assert OrgUnit.objects.filter(kind="grid", parent__code="540102003001").count() == 3
    assert GridStation.objects.count() == 3
    assert PartnerUnit.objects.count() >= 12
    assert 900 <= Household.objects.count() <= 1100
    assert 2300 <= Resident.objects.count() <= 2900
    for name in [
        "sysadmin",
        "secadmin",
        "auditadmin",
        "auditor",
        "county",
        "street",
        "secretary",
        "staff",
        "grid1",
        "grid2",
        "grid3",
        "partner",
        "finance",
    ]:
        assert User.objects.filter(username=name).exists(), name
    tibetan = Resident.objects.exclude(name_bo="").count()
    assert tibetan > Resident.objects.count() * 0.6
    grids = OrgUnit.objects.filter(kind="grid").count()
    call_command("core_demo", "--if-empty", verbosity=0)
    assert OrgUnit.objects.filter(kind="grid").count() == grids
    # A demo resident signs in with their phone number.
    response = client.post("/accounts/login/", {"username": "13908910001", "password": "Gongzhi@2026"})
    assert response.status_code == 302
    # The service desk's year-on-year business volume reads the source's "+90%" exactly.
    from django.utils import timezone

    from gongzhi.servicedesk import selectors as servicedesk_selectors

    county = User.objects.get(username="county")
    stats = servicedesk_selectors.statistics_for(user=county, year=timezone.localdate().year)
    assert stats["yoy_percent"] == 90.0
    # The commercial street's books are kept by the finance role.
    finance = User.objects.get(username="finance")
    assert finance.has_perm("economy.manage_economy") and not finance.has_perm("assistance.view_files")
