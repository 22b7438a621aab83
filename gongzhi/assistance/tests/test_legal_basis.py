"""Item 11 of issue 3: an assistance file records its legal basis (a statutory duty, naming the
regulation) when the application is submitted, and the application page shows it."""

import pytest

from gongzhi.assistance import services
from gongzhi.core.models import DataProcessingBasis
from gongzhi.core.selectors import processing_basis_for

from . import factories as f

pytestmark = pytest.mark.django_db


def test_an_application_records_its_statutory_basis_and_the_page_shows_it(tree, make_user, login, roles):
    programmes = f.programmes(tree)
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    hh, (person,) = f.household(tree.grid_a1, members=((85, "head"),))
    app = services.application_submit(
        actor=staff, household=hh, programme=programmes["elderly"], beneficiary=person, reason="高龄"
    )
    [basis] = processing_basis_for(app)
    assert basis.category == DataProcessingBasis.Category.ASSISTANCE
    assert basis.basis == DataProcessingBasis.Basis.STATUTORY
    assert basis.statute == services.ASSISTANCE_STATUTE and basis.recorded_by == staff
    assert basis.org_unit == hh.org_unit
    html = login(staff).get(f"/assistance/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Legal basis" in html and "社会救助暂行办法" in html
