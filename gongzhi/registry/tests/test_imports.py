import datetime
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry
from gongzhi.registry import imports
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import ChangeRecord, Household, ImportJob, Resident

pytestmark = pytest.mark.django_db
H = imports.HEADERS


def row(
    name="张晓鑫",
    *,
    gender="女",
    birth=datetime.date(1980, 5, 1),
    rel="户主",
    address="纳金路1号",
    seq=1,
    **kw,
):
    values = {
        "网格": "A第一网格", "地址": address, "与户主关系": rel, "姓名": name, "性别": gender,
        "出生日期": birth.isoformat(), "民族": "汉族", "证件类型": "居民身份证",
        "证件号码": make_id_number("540102", birth, seq, "male" if gender == "男" else "female"),
        "联系电话": "", "是否党员": "否",
    }  # fmt: skip
    values.update(kw)
    return [values.get(h, "") for h in H]


def xlsx(rows, headers=H):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(data, name="居民.xlsx"):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def staff(make_user, roles, tree):
    return make_user(roles.COMMUNITY_STAFF, tree.community_a)


def run(staff, tree, data, name="居民.xlsx", mode="all", capture=None):
    job = imports.import_start(actor=staff, file=upload(data, name), org_unit=tree.community_a, mode=mode)
    imports.import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


FAMILY = [
    row("张晓鑫", seq=1, 联系电话="13908910001", 关怀标签="低保"),
    row(
        "王伟",
        gender="男",
        rel="配偶",
        birth=datetime.date(1978, 3, 3),
        seq=3,
        是否党员="是",
        工作单位="拉萨市第一中学",
    ),
    row("王芳", rel="子女", birth=datetime.date(2012, 9, 9), seq=4, 关怀标签="left_behind_child"),
    row(
        "扎西",
        gender="男",
        address="纳金路2号",
        birth=datetime.date(1941, 1, 1),
        seq=5,
        民族="藏",
        网格="A第二网格",
    ),
]


def test_template_has_chinese_headers(login, staff):
    response = login(staff).get(reverse("registry:import_template"))
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == H and "姓名" in H and "证件号码" in H


def test_import_then_reimport_creates_nothing_new(staff, tree):
    job = run(staff, tree, xlsx(FAMILY))
    assert (job.status, job.created_count, job.error_count) == ("done", 4, 0), (job.errors, job.message)
    assert Household.objects.count() == 2 and Resident.objects.count() == 4
    wang = Resident.objects.get(name="王伟")
    assert (
        wang.is_party_member
        and wang.employer_unit == "拉萨市第一中学"
        and wang.relationship_to_head == "spouse"
    )
    assert Resident.objects.get(name="扎西").ethnicity == "藏族"
    assert [t.code for t in Resident.objects.get(name="张晓鑫").care_tags.all()] == ["dibao"]
    # The same file again: nothing new, nothing changed.
    ImportJob.objects.update(status="done")
    again = run(staff, tree, xlsx(FAMILY))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    assert Resident.objects.count() == 4
    # A changed phone is an update with history.
    changed = [row("张晓鑫", seq=1, 联系电话="13908910002", 关怀标签="低保"), *FAMILY[1:]]
    third = run(staff, tree, xlsx(changed))
    assert (third.created_count, third.updated_count) == (0, 1)
    record = ChangeRecord.objects.filter(action="import", resident__name="张晓鑫").latest("id")
    assert record.changes == [{"field": "phone", "old": "139****0001", "new": "139****0002"}]
    assert AuditEntry.objects.filter(action="import.batch").count() == 3


def test_all_or_nothing_refuses_the_whole_file(staff, tree):
    bad = row("次仁", gender="男", address="纳金路3号", seq=7)
    bad[H.index("证件号码")] = bad[H.index("证件号码")][:17] + (
        "0" if bad[H.index("证件号码")][17] != "0" else "1"
    )
    job = run(staff, tree, xlsx([*FAMILY, bad]))
    assert job.status == "failed" and Resident.objects.count() == 0
    assert job.errors == [{"row": 6, "column": "证件号码", "message": job.errors[0]["message"]}]
    assert "check character" in job.errors[0]["message"]
    valid = run(staff, tree, xlsx([*FAMILY, bad]), mode="valid")
    assert valid.status == "done" and valid.created_count == 4 and Resident.objects.count() == 4


@pytest.mark.parametrize(
    "change,column",
    [
        ({"出生日期": "1980-05-02"}, "证件号码"),  # birth date contradicts the number
        ({"出生日期": "2999-01-01"}, "出生日期"),
        ({"联系电话": "1390891"}, "联系电话"),
        ({"姓名": ""}, "姓名"),
        ({"性别": "未知"}, "性别"),
        ({"姓名": '=HYPERLINK("http://x","y")'}, "姓名"),
        ({"网格": "不存在的网格"}, "网格"),
        ({"残疾类别": "肢体", "残疾等级": "5"}, "残疾等级"),
    ],
)
def test_bad_cells_are_reported_by_row_and_column(staff, tree, change, column):
    job = run(staff, tree, xlsx([row(seq=1, **change)]))
    assert job.status == "failed" and Resident.objects.count() == 0
    assert {(e["row"], e["column"]) for e in job.errors} == {(2, column)}


def test_the_same_document_twice_in_one_file_and_in_another_community(staff, tree, make_resident):
    twice = [row("甲", seq=1), row("乙", seq=1, address="纳金路9号")]
    job = run(staff, tree, xlsx(twice))
    assert job.errors[0]["row"] == 3 and "row 2" in job.errors[0]["message"]
    from gongzhi.registry import services

    b = services.household_create(actor=None, org_unit=tree.grid_b1, address="嘎玛贡桑路1号")
    services.resident_create(
        actor=None, household=b, name="丙", gender="female", birth_date=datetime.date(1980, 5, 1),
        relationship_to_head="head", document_number=make_id_number("540102", datetime.date(1980, 5, 1), 1, "female"),
    )  # fmt: skip
    ImportJob.objects.update(status="done")
    job = run(staff, tree, xlsx([row("甲", seq=1)]))
    assert job.errors[0]["column"] == "证件号码" and "another community" in job.errors[0]["message"]
    assert Resident.objects.get(name="丙").org_unit == tree.grid_b1


@pytest.mark.parametrize(
    "headers,needle",
    [
        ([h for h in H if h != "姓名"], "missing columns: 姓名"),
        ([*H, "备注"], "unknown columns: 备注"),
        ([("名字" if h == "姓名" else h) for h in H], "名字"),
    ],
)
def test_missing_extra_or_renamed_columns(staff, tree, headers, needle):
    job = run(staff, tree, xlsx([], headers=headers))
    assert job.status == "failed" and needle in job.message


@pytest.mark.parametrize(
    "data,name,code",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls", "xls"),
        ("姓名,性别\n张三,男\n".encode(), "renamed.xlsx", "not_xlsx"),
        (os.urandom(10 * 1024 * 1024), "random.xlsx", "not_xlsx"),
        (os.urandom(10 * 1024 * 1024), "random.csv", None),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(staff, tree, data, name, code):
    if data[:1] == b"P" and data[:4] != b"PK\x03\x04":
        data = b"X" + data[1:]
    if code is None:
        # Random bytes carry NUL bytes: refused as not a table.
        data = data.replace(b"PK\x03\x04", b"....", 1)
        if b"\x00" not in data[:4096]:
            data = b"\x00" + data
        code = "not_table"
    with pytest.raises(ApplicationError) as exc:
        imports.import_start(actor=staff, file=upload(data, name), org_unit=tree.community_a)
    assert exc.value.code == code and exc.value.field == "file"
    assert not ImportJob.objects.exists()


def test_a_zip_that_is_not_a_workbook_fails_cleanly(staff, tree):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    job = run(staff, tree, buf.getvalue())
    assert job.status == "failed" and "not an Excel workbook" in job.message


def test_csv_in_gb18030_and_utf8(staff, tree):
    lines = [",".join(H)] + [",".join(r) for r in FAMILY[:2]]
    job = run(staff, tree, "\n".join(lines).encode("gb18030"), name="居民.csv")
    assert job.status == "done" and job.created_count == 2, job.errors
    ImportJob.objects.update(status="done")
    job = run(staff, tree, ("\ufeff" + "\n".join(lines)).encode("utf-8"), name="居民.csv")
    assert job.unchanged_count == 2


def test_the_marked_error_file_and_the_page(login, staff, tree):
    bad = row("次仁", gender="男", address="纳金路3号", seq=7, 联系电话="123")
    formula = row('=HYPERLINK("http://x","y")', address="纳金路4号", seq=9)
    job = run(staff, tree, xlsx([*FAMILY, bad, formula]))
    client = login(staff)
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "联系电话" in page and "Nothing was imported" in page
    response = client.get(reverse("registry:import_errors_file", args=[job.pk]))
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(1, len(H) + 1).value == "错误"
    phone = ws.cell(6, H.index("联系电话") + 1)
    assert phone.fill.fgColor.rgb.endswith("FFC7CE") and phone.comment is not None
    assert ws.cell(2, H.index("联系电话") + 1).fill.fgColor.rgb in ("00000000", None)
    # The formula comes back as text, never as a formula.
    name_cell = ws.cell(7, H.index("姓名") + 1)
    assert name_cell.data_type == "s" and name_cell.value.startswith("'=")


def test_the_same_file_cannot_run_twice(staff, tree):
    data = xlsx(FAMILY)
    job = imports.import_start(actor=staff, file=upload(data), org_unit=tree.community_a)
    with pytest.raises(ApplicationError) as exc:
        imports.import_start(actor=staff, file=upload(data), org_unit=tree.community_a)
    assert exc.value.status == 409 and exc.value.extra["job_id"] == job.pk


def test_upload_page_runs_a_small_file(login, staff, tree, django_capture_on_commit_callbacks):
    client = login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry:import_start"),
            {"file": upload(xlsx(FAMILY)), "org_unit": tree.community_a.pk, "mode": "all"},
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response.url == reverse("registry:import_detail", args=[job.pk])
    assert job.status == "done" and Resident.objects.count() == 4
    assert client.get(response.url).status_code == 200


def test_a_large_file_runs_in_the_background_with_progress(
    login, staff, tree, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from django_tasks import task_backends

    task_backends._settings = None  # reload the backend from the new settings
    rows = [",".join(H)]
    for i in range(2500):
        birth = datetime.date(1950 + i % 60, 1 + i % 12, 1 + i % 28)
        r = row(
            f"格桑{i}",
            gender="男",
            birth=birth,
            seq=i,
            address=f"纳金路{i // 3}号",
            rel="户主" if i % 3 == 0 else "子女",
        )
        rows.append(",".join(r))
    data = "\n".join(rows).encode("utf-8")
    assert len(data) > imports.BACKGROUND_ABOVE_BYTES
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_start(actor=staff, file=upload(data, "big.csv"), org_unit=tree.community_a)
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == 2500 and job.processed_rows == 2500
    assert Household.objects.count() == 834
    client = login(staff)
    part = client.get(reverse("registry:import_progress", args=[job.pk])).content.decode()
    assert "2500" in part and "hx-get" not in part  # finished: polling stops


def test_progress_partial_polls_while_running(login, staff, tree):
    job = imports.import_start(actor=staff, file=upload(xlsx(FAMILY)), org_unit=tree.community_a)
    client = login(staff)
    url = reverse("registry:import_progress", args=[job.pk])
    # First pass: the rows are checked against an estimate of their number (the first half of the bar).
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=200000, checked_rows=50000)
    part = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in part and 'value="12"' in part and "50000 of about 200000" in part
    # Second pass: every row checked, a quarter written (the second half of the bar).
    ImportJob.objects.filter(pk=job.pk).update(checked_rows=200000, processed_rows=50000)
    part = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in part and 'value="62"' in part and "50000 of 200000 rows written" in part
    # Before the number of rows is known the bar has no value (it does not claim 100%).
    ImportJob.objects.filter(pk=job.pk).update(total_rows=0, checked_rows=0, processed_rows=0)
    part = client.get(url).content.decode()
    assert '<progress class="progress" max="100"></progress>' in part and 'value="100"' not in part


def test_export_is_masked_escaped_and_audited(login, staff, tree, make_user, roles):
    run(staff, tree, xlsx([*FAMILY, row("@SUM(1)", address="纳金路5号", seq=11)]), mode="valid")
    worker = make_user(roles.GRID_WORKER, tree.grid_a1)
    client = login(worker)
    response = client.get(reverse("registry:resident_export"), {"status": ""})
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    by_name = {r[header.index("姓名")]: r for r in rows[1:]}
    assert "扎西" not in by_name  # grid A2 is outside the worker's grid
    doc = by_name["张晓鑫"][header.index("证件号码")]
    assert "*" in doc and by_name["张晓鑫"][header.index("联系电话")] == "139****0001"
    assert "'@SUM(1)" in by_name
    assert "低保" in by_name["张晓鑫"][header.index("关怀标签")]
    entry = AuditEntry.objects.filter(action="view:registry.export").latest("id")
    assert entry.kind == "access" and entry.detail["rows"] == 4 and entry.detail["unmasked"] is False
    client = login(staff)
    ws = load_workbook(io.BytesIO(client.get(reverse("registry:resident_export")).content)).active
    docs = [r[header.index("证件号码")] for r in list(ws.iter_rows(values_only=True))[1:]]
    assert docs and all("*" not in d for d in docs)
    assert AuditEntry.objects.filter(action="view:registry.export").latest("id").detail["unmasked"] is True


def test_a_second_head_for_a_registered_household_is_refused(staff, tree):
    run(staff, tree, xlsx(FAMILY))
    ImportJob.objects.update(status="done")
    job = run(staff, tree, xlsx([row("李四", gender="男", seq=21, birth=datetime.date(1970, 2, 2))]))
    assert job.status == "failed"
    assert {(e["row"], e["column"]) for e in job.errors} == {(2, "与户主关系")}
    assert Resident.objects.filter(relationship_to_head="head", household__address="纳金路1号").count() == 1


def test_the_progress_partial_brings_the_errors_when_a_background_import_ends(login, staff, tree):
    """The detail page polls the partial; when the job ends with errors, the partial itself shows them
    per row (no reload needed), and a finished import shows its bar full."""
    bad = row("次仁", gender="男", address="纳金路9号", seq=12, 联系电话="123")
    job = run(staff, tree, xlsx([*FAMILY, bad]))
    assert job.status == "failed" and job.error_count
    part = login(staff).get(reverse("registry:import_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in part and "<table>" in part and "联系电话" in part
    done = run(staff, tree, xlsx(FAMILY))
    part = login(staff).get(reverse("registry:import_progress", args=[done.pk])).content.decode()
    assert 'value="100"' in part and "<table>" not in part


def _fail_on_second_batch(monkeypatch):
    """Two rows a batch; the second batch fails as if a number had been registered by someone
    else between the check and the write (the database's unique index refuses it)."""
    from django.db import IntegrityError

    monkeypatch.setattr(imports, "BATCH", 2)
    original = imports._write_batch
    calls = []

    def write(job, batch, ctx):
        calls.append(AuditEntry.objects.filter(action="import.batch").count())
        if len(calls) == 2:
            raise IntegrityError("UNIQUE constraint failed: registry_resident.document_index")
        return original(job, batch, ctx)

    monkeypatch.setattr(imports, "_write_batch", write)
    return IntegrityError


def test_all_or_nothing_leaves_nothing_when_a_batch_fails_half_way(staff, tree, monkeypatch):
    error = _fail_on_second_batch(monkeypatch)
    with pytest.raises(error):
        run(staff, tree, xlsx(FAMILY))
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.message.endswith("nothing was written.")
    assert not Resident.objects.exists() and not Household.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["import.batch", "import.finish"]).exists()


def test_importing_the_valid_rows_keeps_the_batches_written_before_a_failure(staff, tree, monkeypatch):
    error = _fail_on_second_batch(monkeypatch)
    with pytest.raises(error):
        run(staff, tree, xlsx(FAMILY), mode="valid")
    job = ImportJob.objects.get()
    assert job.status == "failed" and "nothing after the last batch" in job.message
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["张晓鑫", "王伟"]
    assert (job.created_count, job.processed_rows) == (2, 2)  # the page says what was written
    assert AuditEntry.objects.filter(action="import.batch").count() == 1


def test_all_or_nothing_appends_its_audit_entries_after_the_last_batch(staff, tree, monkeypatch):
    """The audit chain has one global lock, taken by the first audited write of a transaction and
    held until it commits: the one-transaction import audits its batches at its end, so other
    staff's audited writes do not wait for the whole import."""
    monkeypatch.setattr(imports, "BATCH", 2)
    original = imports._write_batch
    seen = []

    def write(job, batch, ctx):
        seen.append(AuditEntry.objects.filter(action="import.batch").count())
        return original(job, batch, ctx)

    monkeypatch.setattr(imports, "_write_batch", write)
    job = run(staff, tree, xlsx(FAMILY))
    assert job.status == "done" and seen == [0, 0]
    assert AuditEntry.objects.filter(action="import.batch").count() == 2
    ImportJob.objects.update(status="done")
    seen.clear()
    changed = [row("张晓鑫", seq=1, 联系电话="13908910009", 关怀标签="低保"), *FAMILY[1:]]
    job = run(staff, tree, xlsx(changed), mode="valid")  # batch by batch: each audited as it commits
    assert job.updated_count == 1 and seen == [2, 3]


@pytest.mark.postgres
def test_the_bar_moves_while_an_all_or_nothing_import_is_uncommitted(
    transactional_db, tree, make_user, roles, monkeypatch
):
    """On PostgreSQL the written rows' count reaches the page through a second connection, while
    the residents themselves stay invisible until the import's one transaction commits."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from gongzhi.registry.choices import SYSTEM_TAGS
    from gongzhi.registry.models import CareTag

    # An earlier transactional test truncated every table, the migrations' care tags included.
    for order, (code, name, derived) in enumerate(SYSTEM_TAGS):
        CareTag.objects.get_or_create(
            code=code, org_unit=None, defaults={"name": name, "is_derived": derived, "order": order}
        )
    staff = make_user(roles.COMMUNITY_STAFF, tree.community_a)
    monkeypatch.setattr(imports, "BATCH", 2)
    original = imports._write_batch
    seen = []

    def write(job, batch, ctx):
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT processed_rows FROM registry_importjob WHERE id = %s", [job.pk])
                processed = cursor.fetchone()[0]
                cursor.execute("SELECT count(*) FROM registry_resident")
                residents = cursor.fetchone()[0]
        finally:
            other.close()
        seen.append((processed, residents))
        return original(job, batch, ctx)

    monkeypatch.setattr(imports, "_write_batch", write)
    job = run(staff, tree, xlsx(FAMILY))
    assert job.status == "done", job.message
    assert seen == [(0, 0), (2, 0)]
    assert Resident.objects.count() == 4


def test_a_new_address_on_a_known_resident_moves_them_with_history(staff, tree):
    run(staff, tree, xlsx(FAMILY))
    ImportJob.objects.update(status="done")
    moved = [*FAMILY[:2], row("王芳", rel="子女", birth=datetime.date(2012, 9, 9), seq=4, 地址="纳金路7号",
             网格="A第二网格", 关怀标签="left_behind_child"), FAMILY[3]]  # fmt: skip
    job = run(staff, tree, xlsx(moved))
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 3)
    fang = Resident.objects.select_related("household").get(name="王芳")
    assert (fang.household.address, fang.org_unit, fang.household.org_unit) == (
        "纳金路7号",
        tree.grid_a2,
        tree.grid_a2,
    )
    assert Resident.objects.count() == 4 and Household.objects.count() == 3
    assert not Household.objects.filter(members__isnull=True).exists()  # no empty household left behind
    change = ChangeRecord.objects.filter(resident=fang, action="import").latest("id")
    assert change.changes == [{"field": "household", "old": "纳金路1号", "new": "纳金路7号"}]
    assert ChangeRecord.objects.filter(household__address="纳金路1号", action="member_left").exists()


@pytest.mark.parametrize(
    "value,shown",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+86 139", "'+86 139"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("扎西", "扎西"),
        (-3, -3),  # a number is a number, not text a spreadsheet could run
    ],
)
def test_export_cells_that_a_spreadsheet_would_run_are_escaped(value, shown):
    assert imports.escape_cell(value) == shown
