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


# --- one chain per community ---------------------------------------------------------------------


def _in(unit, action):
    return audit.record(actor=None, action=action, org_unit=unit, object_type="t", object_id=action)


def _head(chain):
    return AuditEntry.objects.filter(chain=chain).order_by("-id").values_list("hmac", flat=True).first() or ""


def test_each_community_keeps_its_own_chain_and_street_rows_go_to_the_system_chain(tree):
    head_a, head_b = _head(tree.community_a.pk), _head(tree.community_b.pk)  # the tree's own entries
    a1 = _in(tree.grid_a1, "a.1")
    b1 = _in(tree.community_b, "b.1")
    street = _in(tree.street, "s.1")
    a2 = _in(tree.grid_a2, "a.2")  # another grid of A: the same chain
    b2 = _in(tree.grid_b1, "b.2")
    assert (a1.chain, a2.chain) == (tree.community_a.pk, tree.community_a.pk)
    assert (b1.chain, b2.chain) == (tree.community_b.pk, tree.community_b.pk)
    assert street.chain == audit.SYSTEM_CHAIN
    # Each entry links to the previous entry of its own chain, not to the entry written just before.
    assert (a1.prev_hmac, a2.prev_hmac) == (head_a, a1.hmac)
    assert (b1.prev_hmac, b2.prev_hmac) == (head_b, b1.hmac)
    assert audit.verify_chain() is None


def test_a_deletion_inside_one_community_chain_is_named(tree):
    a = [_in(tree.community_a, f"a.{i}") for i in range(3)]
    for i in range(3):
        _in(tree.community_b, f"b.{i}")
    AuditEntry.objects.filter(pk=a[1].pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and broken.entry_id == a[2].pk and broken.reason == "link"


def test_moving_an_entry_to_another_chain_breaks_its_hmac(tree):
    a = [_in(tree.community_a, f"a.{i}") for i in range(2)]
    AuditEntry.objects.filter(pk=a[1].pk).update(chain=tree.community_b.pk)
    broken = audit.verify_chain()
    # It no longer follows B's head (and its HMAC no longer matches its content either).
    assert broken is not None and broken.entry_id == a[1].pk
    moved = AuditEntry.objects.get(pk=a[1].pk)
    assert audit.compute_hmac(moved) != moved.hmac


def test_entries_written_before_chains_existed_still_verify():
    # The system chain's canonical form is the one of the former single chain: no chain key.
    entry = audit.record(actor=None, action="legacy")
    assert entry.chain == 0 and b'"chain"' not in audit.canonical(entry)
    assert audit.verify_chain() is None


def test_the_seal_catches_the_deletion_of_a_chains_newest_entries(tree, capsys):
    _in(tree.community_a, "a.0")
    newest = _in(tree.community_a, "a.1")
    _in(tree.community_b, "b.0")
    seal = audit.seal()
    assert seal.detail["heads"][str(tree.community_a.pk)] == [newest.pk, newest.hmac]
    assert audit.verify_chain() is None
    # No later entry of A links to its newest one: only the seal knows it existed.
    AuditEntry.objects.filter(pk=newest.pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and broken.entry_id == seal.pk and broken.reason == "sealed_head"
    with pytest.raises(CommandError, match=f"entry {seal.pk}"):
        call_command("core_audit_verify")


def test_the_seal_command_records_every_chain_head(tree, capsys):
    _in(tree.community_a, "a.0")
    _in(tree.community_b, "b.0")
    call_command("core_audit_seal")
    assert "Sealed 3 audit chains" in capsys.readouterr().out  # A, B and the tree's system entries
    assert audit.verify_chain() is None


def test_a_purge_of_several_chains_keeps_each_verifiable(tree, monkeypatch):
    import datetime

    from django.utils import timezone

    from gongzhi.core.services import audit_purge

    AuditEntry.objects.all().delete()  # the tree's entries are recent: start from an empty log
    past = timezone.now() - datetime.timedelta(days=200)
    monkeypatch.setattr(audit.timezone, "now", lambda: past)
    for i in range(2):
        _in(tree.community_a, f"old.a{i}")
        _in(tree.community_b, f"old.b{i}")
    audit.seal()
    monkeypatch.undo()
    recent_a = _in(tree.community_a, "new.a")
    _in(tree.community_a, "new.a2")
    _in(tree.community_b, "new.b")
    assert audit_purge(actor=None, before=timezone.now() - datetime.timedelta(days=190)) == 5
    assert not AuditEntry.objects.filter(action__startswith="old.").exists()
    assert audit.verify_chain() is None
    # A deletion behind the purge's back is still caught: new.a2 links to an entry that is gone
    # and that no purge recorded.
    AuditEntry.objects.filter(pk=recent_a.pk).delete()
    broken = audit.verify_chain()
    assert broken is not None and broken.reason == "link"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chain_lock_blocks_only_its_own_community(tree):
    import psycopg
    from django.db import connection, transaction

    params = connection.get_connection_params()
    a, b = tree.community_a.pk, tree.community_b.pk
    with transaction.atomic():
        audit.lock_chain(tree.grid_a1)
        _in(tree.grid_a2, "a.0")  # the same chain again: no wait
        with psycopg.connect(**params, autocommit=True) as other:
            try_lock = "SELECT pg_try_advisory_xact_lock(%s, %s)"
            assert other.execute(try_lock, [audit.CHAIN_LOCK, a]).fetchone()[0] is False
            assert other.execute(try_lock, [audit.CHAIN_LOCK, b]).fetchone()[0] is True
    assert audit.verify_chain() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_that_waited_for_the_chain_links_to_the_entry_it_waited_for(tree):
    """core_audit_lock_chain reads the head after the lock is granted (a fresh snapshot), so the
    second of two writers of one community never links to the head the first one replaced."""
    import threading

    import psycopg
    from django.db import connection, transaction

    params = connection.get_connection_params()
    chain = tree.community_a.pk
    got = {}

    def second_writer():
        with psycopg.connect(**params) as other:  # a transaction: the lock lasts until commit
            got["head"] = other.execute(
                "SELECT core_audit_lock_chain(%s, %s)", [audit.CHAIN_LOCK, chain]
            ).fetchone()[0]

    with transaction.atomic():
        first = _in(tree.community_a, "a.first")
        waiter = threading.Thread(target=second_writer)
        waiter.start()
        waiter.join(1.0)
        assert waiter.is_alive()  # it waits for the chain's lock
    waiter.join(30)
    assert got["head"] == first.hmac


# --- the head a transaction knows -------------------------------------------------------------------


def _head_reads(queries):
    return [
        q["sql"]
        for q in queries
        if "core_audit_lock_chain" in q["sql"]
        or ("core_auditentry" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT"))
    ]


@pytest.mark.django_db(transaction=True)  # the tree's entries committed: this transaction knows no head yet
def test_a_service_that_locked_its_chain_first_does_not_read_the_head_again(tree):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        audit.lock_chain(tree.grid_a1)
        first = _in(tree.grid_a1, "a.1")
        second = _in(tree.grid_a2, "a.2")
    assert len(_head_reads(ctx.captured_queries)) == 1
    assert second.prev_hmac == first.hmac
    assert audit.verify_chain() is None


def test_an_entry_of_a_rolled_back_savepoint_is_forgotten_with_it(tree):
    from django.db import transaction

    with transaction.atomic():
        first = _in(tree.community_a, "a.kept")
        try:
            with transaction.atomic():
                _in(tree.community_a, "a.undone")
                raise RuntimeError
        except RuntimeError:
            pass
        after = _in(tree.community_a, "a.after")
        with transaction.atomic():  # released: its entry stays, and the next links to it
            inner = _in(tree.community_a, "a.inner")
        last = _in(tree.community_a, "a.last")
    assert after.prev_hmac == first.hmac
    assert last.prev_hmac == inner.hmac
    assert not AuditEntry.objects.filter(action="a.undone").exists()
    assert audit.verify_chain() is None


@pytest.mark.django_db(transaction=True)
def test_the_next_transaction_reads_the_head_again(tree):
    """Between two transactions another writer may append: nothing known survives a commit."""
    from django.db import transaction

    with transaction.atomic():
        _in(tree.community_a, "a.1")
    with transaction.atomic():
        other = _in(tree.community_a, "a.2")
    AuditEntry.objects.filter(pk=other.pk).delete()  # as if another writer's entry were the head
    with transaction.atomic():
        third = _in(tree.community_a, "a.3")
    assert third.prev_hmac == _head_before(third)


def _head_before(entry):
    return (
        AuditEntry.objects.filter(chain=entry.chain, id__lt=entry.pk)
        .order_by("-id")
        .values_list("hmac", flat=True)
        .first()
    )
