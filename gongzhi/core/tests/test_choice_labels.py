from django.utils import translation

from gongzhi.cases.models import Case
from gongzhi.registry.models import Resident


def test_choice_labels_follow_the_language_of_each_call():
    resident = Resident(status=Resident.Status.MOVED_OUT)
    with translation.override("en"):
        assert resident.get_status_display() == "Moved out"
    with translation.override("zh-hans"):
        assert resident.get_status_display() == "已迁出"
    with translation.override("en"):  # the table keeps lazy labels, not the first call's text
        assert resident.get_status_display() == "Moved out"


def test_choice_labels_match_djangos_for_every_value_and_pass_unknown_values_through():
    from django.db.models import Model

    for model, name in [(Case, "status"), (Case, "tier"), (Resident, "relationship_to_head")]:
        field = model._meta.get_field(name)
        for value, _label in field.flatchoices:
            obj = model(**{name: value})
            with translation.override("zh-hans"):
                assert getattr(obj, f"get_{name}_display")() == Model._get_FIELD_display(obj, field)
    assert Case(status="no-such-status").get_status_display() == "no-such-status"
