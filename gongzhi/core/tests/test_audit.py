import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.core import audit
from gongzhi.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _entries(n):
    return [audit.record(actor=None, action=f"test.{i}", object_type="t", object_id=str(i)) for i in range(n)]


def test_the_chain_links_each_entry_to_the_previous():
    first, second, third = _entries(3)
    assert second.prev_hmac == first.hmac and third.prev_hmac == second.hmac
    assert audit.verify_chain() is None


def test_an_edited_entry_is_named():
    entries = _entries(4)
    AuditEntry.objects.filter(pk=entries[2].pk).update(action="test.forged")
    broken = audit.verify_chain()
    assert broken is not None and broken.entry_id == entries[2].pk and broken.reason == "content"


def test_a_deleted_entry_breaks_the_link_of_the_next():
    entries = _entries(4)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and broken.entry_id == entries[2].pk and broken.reason == "link"


def test_verify_command_fails_and_names_the_entry(capsys):
    entries = _entries(3)
    call_command("core_audit_verify")
    assert "intact" in capsys.readouterr().out
    AuditEntry.objects.filter(pk=entries[0].pk).update(outcome="denied")
    with pytest.raises(CommandError, match=f"entry {entries[0].pk}"):
        call_command("core_audit_verify")
