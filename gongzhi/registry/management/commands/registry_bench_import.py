"""Measure the Excel/CSV import: `python manage.py registry_bench_import --rows 10000`.

Builds a throw-away org tree, writes a CSV of N residents (a third of them heads of their own
household), imports it through the real import (both passes, history and audit included), then
inserts the same rows with a bare `bulk_create` for comparison, and rolls everything back."""

import datetime
import time
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.accounts import services as account_services
from gongzhi.core import services as core_services
from gongzhi.registry import imports
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import Household, Resident


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark the resident import against a bare bulk_create (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10000)

    def handle(self, *args, rows, **options):
        try:
            with transaction.atomic():
                self._run(rows)
                raise _Rollback
        except _Rollback:
            pass

    def _run(self, n):
        tag = uuid.uuid4().hex[:6]
        district = core_services.orgunit_create(
            kind="district", name=f"bench{tag}", code=f"B{tag}D", parent=None, actor=None
        )
        street = core_services.orgunit_create(
            kind="street", name=f"bench{tag}", code=f"B{tag}S", parent=district, actor=None
        )
        community = core_services.orgunit_create(
            kind="community", name=f"bench{tag}", code=f"B{tag}C", parent=street, actor=None
        )
        grid = core_services.orgunit_create(
            kind="grid", name=f"bench{tag}网格", code=f"B{tag}G", parent=community, actor=None
        )
        user = account_services.user_create(
            actor=None, username=f"bench{tag}", password=uuid.uuid4().hex, display_name="bench"
        )
        lines = [",".join(imports.HEADERS)]
        keys = [k for k, _h, _r in imports.COLUMNS]
        specs = []
        for i in range(n):
            birth = datetime.date(1940 + i % 70, 1 + i % 12, 1 + i % 28)
            gender = "男" if i % 2 else "女"
            # A new area code every 1,000 rows: the numbers stay unique past the birth dates' cycle.
            number = make_id_number(f"{110105 + i // 1000}", birth, i, "male" if i % 2 else "female")
            values = {
                "grid": grid.name, "address": f"纳金路{i // 3}号", "relationship_to_head": "户主" if i % 3 == 0 else "子女",
                "name": f"格桑{i}", "gender": gender, "birth_date": birth.isoformat(), "ethnicity": "藏族",
                "document_number": number, "phone": f"139{i:08d}", "is_party_member": "否",
            }  # fmt: skip
            lines.append(",".join(values.get(k, "") for k in keys))
            specs.append((values, birth, number))
        data = "\n".join(lines).encode("utf-8")
        self.stdout.write(f"{n} rows, {len(data) / 1e6:.1f} MB CSV")

        started = time.monotonic()
        job = imports.import_start(actor=user, file=SimpleUploadedFile("bench.csv", data), org_unit=grid)
        imports.import_run(job_id=job.pk)
        job.refresh_from_db()
        took = time.monotonic() - started
        self.stdout.write(
            f"import: {job.status}, {job.created_count} created in {took:.1f}s = {n / took:.0f} rows/s "
            f"(check + write + history + audit)"
        )

        # The same rows with a bare bulk_create (households, then residents), no checks or history.
        grid2 = core_services.orgunit_create(
            kind="grid", name=f"bench{tag}二", code=f"B{tag}H", parent=community, actor=None
        )
        started = time.monotonic()
        households = {}
        for values, _birth, _number in specs:
            households.setdefault(values["address"], Household(org_unit=grid2, address=values["address"]))
        Household.objects.bulk_create(households.values(), batch_size=1000)
        residents = []
        for values, birth, number in specs:
            r = Resident(
                org_unit=grid2, household=households[values["address"]], gender="male" if values["gender"] == "男" else "female",
                birth_date=birth, relationship_to_head="other", ethnicity="藏族",
            )  # fmt: skip
            r.set_name(values["name"])
            r.set_document("X" + number[1:])  # a different number: the imported rows are still there
            r.set_phone(values["phone"])
            residents.append(r)
        Resident.objects.bulk_create(residents, batch_size=1000)
        bare = time.monotonic() - started
        self.stdout.write(
            f"bare bulk_create: {bare:.1f}s = {n / bare:.0f} rows/s (same rows, same encryption)"
        )
        self.stdout.write("rolled back: nothing kept")
