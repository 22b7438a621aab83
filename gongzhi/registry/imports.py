"""Import of households and residents from Excel (.xlsx, read-only streaming) or CSV (UTF-8 or
GB18030), as community staff keep them today: one row per resident, the household given by its
grid and address, headers in Chinese.

Two passes over the stored file: the first checks every row (nothing is written), the second
writes the valid rows in batches with bulk operations, one history row per changed resident and
one audit entry per batch. All-or-nothing mode writes only when the first pass found no error.
Re-importing the same file changes nothing: rows are matched on the document number's blind
index (upsert) and an unchanged row records nothing. Cells are read as values; a formula is
never evaluated and is refused as input."""

import csv
import datetime
import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, crypto
from gongzhi.core.errors import ApplicationError, ConflictError
from gongzhi.core.models import OrgUnit

from .choices import ETHNIC_GROUPS, ETHNICITY_OTHER, TAG_WORDS_ZH
from .documents import validate_document, validate_phone
from .models import CareTag, ChangeRecord, Household, ImportJob, Resident

log = logging.getLogger("gongzhi.registry")

MAX_BYTES = 60 * 1024 * 1024
BACKGROUND_ABOVE_BYTES = 256 * 1024  # larger files run in the background
BATCH = 500
MAX_STORED_ERRORS = 20000

# (key, Chinese header, required)
COLUMNS = [
    ("grid", "网格", False),
    ("address", "地址", True),
    ("building", "楼栋", False),
    ("unit_no", "单元", False),
    ("room_no", "房号", False),
    ("registration_type", "户籍类型", False),
    ("relationship_to_head", "与户主关系", True),
    ("name", "姓名", True),
    ("name_bo", "藏文姓名", False),
    ("former_names", "曾用名", False),
    ("gender", "性别", True),
    ("birth_date", "出生日期", True),
    ("ethnicity", "民族", False),
    ("document_type", "证件类型", False),
    ("document_number", "证件号码", False),
    ("phone", "联系电话", False),
    ("education", "文化程度", False),
    ("employment", "就业状况", False),
    ("medical_insurance", "医疗保险", False),
    ("is_party_member", "是否党员", False),
    ("party_branch", "所在党组织", False),
    ("employer_unit", "工作单位", False),
    ("disability_type", "残疾类别", False),
    ("disability_grade", "残疾等级", False),
    ("care_tags", "关怀标签", False),
]
HEADERS = [c[1] for c in COLUMNS]
KEY_OF_HEADER = {c[1]: c[0] for c in COLUMNS}
HEADER_OF_KEY = {c[0]: c[1] for c in COLUMNS}
REQUIRED = {c[0] for c in COLUMNS if c[2]}

# The words people type in these sheets, mapped to the stored codes.
WORDS = {
    "gender": {"男": "male", "女": "female", "male": "male", "female": "female"},
    "registration_type": {"户籍": "registered", "常住": "registered", "流动": "floating", "其他": "other", "": "registered"},
    "relationship_to_head": {
        "户主": "head", "本人": "head", "配偶": "spouse", "妻": "spouse", "夫": "spouse", "妻子": "spouse",
        "丈夫": "spouse", "子": "child", "女": "child", "子女": "child", "儿子": "child", "女儿": "child",
        "父母": "parent", "父亲": "parent", "母亲": "parent", "孙子女": "grandchild", "孙子": "grandchild",
        "孙女": "grandchild", "外孙": "grandchild", "外孙女": "grandchild", "祖父母": "grandparent",
        "兄弟姐妹": "sibling", "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling",
        "儿媳": "child_in_law", "女婿": "child_in_law", "其他": "other",
    },
    "document_type": {
        "": "id_card", "身份证": "id_card", "居民身份证": "id_card", "护照": "passport",
        "港澳通行证": "hk_macau", "港澳居民来往内地通行证": "hk_macau", "台湾通行证": "taiwan",
        "台胞证": "taiwan", "台湾居民来往大陆通行证": "taiwan",
    },
    "education": {
        "": "", "无": "none", "文盲": "none", "未上学": "none", "小学": "primary", "初中": "junior",
        "高中": "senior", "中专": "vocational", "职高": "vocational", "大专": "college", "本科": "bachelor",
        "大学": "bachelor", "硕士": "postgraduate", "博士": "postgraduate", "研究生": "postgraduate",
    },
    "employment": {
        "": "", "在职": "employed", "就业": "employed", "个体": "self_employed", "自主创业": "self_employed",
        "农牧民": "farmer_herder", "务农": "farmer_herder", "失业": "unemployed", "无业": "unemployed",
        "退休": "retired", "学生": "student", "在校": "student", "学龄前": "preschool", "其他": "other",
    },
    "medical_insurance": {
        "": "", "职工医保": "employee", "城镇职工": "employee", "城乡居民医保": "resident",
        "居民医保": "resident", "城乡居民": "resident", "未参保": "none", "无": "none",
    },
    "disability_type": {
        "": "", "无": "", "视力": "visual", "听力": "hearing", "言语": "speech", "肢体": "physical",
        "智力": "intellectual", "精神": "mental", "多重": "multiple",
    },
    "is_party_member": {"": False, "否": False, "是": True, "党员": True, "预备党员": True, "群众": False},
}  # fmt: skip
CODE_TO_WORD = {k: {} for k in WORDS}
for _key, _mapping in WORDS.items():
    for _word, _code in _mapping.items():
        CODE_TO_WORD[_key].setdefault(_code, _word)


@dataclass
class RowError:
    row: int
    column: str  # the Chinese header, or "" for the whole row
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Outcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)


class FileRefused(ApplicationError):
    pass


# --- reading --------------------------------------------------------------------------------------


def _sniff(data_head: bytes, name: str) -> str:
    if data_head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            _("This is an old Excel file (.xls). Save it as .xlsx (Excel Workbook) and upload it again."),
            code="xls",
            field="file",
        )
    if data_head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.lower().endswith(".xlsx"):
        raise FileRefused(
            _("This file is not an Excel workbook although its name ends in .xlsx."),
            code="not_xlsx",
            field="file",
        )
    if b"\x00" in data_head:
        raise FileRefused(
            _("This file is neither an Excel workbook (.xlsx) nor a CSV text file."),
            code="not_table",
            field="file",
        )
    return "csv"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_xlsx(path: Path) -> Iterator[list]:
    from openpyxl import load_workbook

    handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    try:
        # read_only streams the sheet; data_only=False returns a formula as its text, never evaluated.
        workbook = load_workbook(handle, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on broken files
        handle.close()
        raise FileRefused(
            _("This file is not an Excel workbook that can be read."), code="not_xlsx", field="file"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()
        handle.close()


def _rows_csv(path: Path) -> Iterator[list]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(
            _("This CSV file is neither UTF-8 nor GB18030 text."), code="encoding", field="file"
        )
    yield from csv.reader(io.StringIO(text, newline=""))


def read_table(path: Path, name: str) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """The header row and an iterator of (row number, {key: text}) for the non-empty rows.
    Refuses missing, unknown or duplicated columns by name."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    kind = _sniff(head, name)
    rows = _rows_xlsx(path) if kind == "xlsx" else _rows_csv(path)
    try:
        header = next(rows)
    except StopIteration:
        raise FileRefused(_("The file is empty."), code="empty", field="file") from None
    header = [_text(h) for h in header]
    while header and header[-1] == "":
        header.pop()
    unknown = [h for h in header if h not in KEY_OF_HEADER]
    missing = [HEADER_OF_KEY[k] for k in REQUIRED if HEADER_OF_KEY[k] not in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(cols)s") % {"cols": "、".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(cols)s") % {"cols": "、".join(unknown)})
    if repeated:
        problems.append(_("repeated columns: %(cols)s") % {"cols": "、".join(repeated)})
    if problems:
        raise FileRefused(
            _(
                "The columns do not match the template (%(problems)s). Download the template and keep its headers."
            )
            % {"problems": "; ".join(problems)},
            code="columns",
            field="file",
        )
    keys = [KEY_OF_HEADER[h] for h in header]

    def iterate():
        for number, row in enumerate(rows, start=2):
            values = [_text(v) for v in row[: len(keys)]]
            if not any(values):
                continue
            values += [""] * (len(keys) - len(values))
            yield number, dict(zip(keys, values, strict=True))

    return header, iterate()


# --- checking one row -----------------------------------------------------------------------------


def _parse_date(text: str) -> datetime.date:
    text = text.strip().split(" ")[0].split("T")[0]
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(text)


@dataclass
class Context:
    org_unit: OrgUnit
    grids: dict  # name → OrgUnit
    tags: dict  # code or name → CareTag
    today: datetime.date


def make_context(org_unit: OrgUnit) -> Context:
    if org_unit.kind == OrgUnit.Kind.GRID:
        grids = {org_unit.name: org_unit, org_unit.code: org_unit}
        community = org_unit.parent
    else:
        units = OrgUnit.objects.filter(path__startswith=org_unit.path, kind=OrgUnit.Kind.GRID)
        grids = {u.name: u for u in units} | {u.code: u for u in units}
        community = org_unit
    tags = {}
    for tag in CareTag.objects.filter(Q(org_unit__isnull=True) | Q(org_unit=community), is_derived=False):
        tags[tag.code] = tag
        tags[tag.name] = tag
        if tag.org_unit_id is None and tag.code in TAG_WORDS_ZH:
            tags[TAG_WORDS_ZH[tag.code]] = tag
    return Context(org_unit=org_unit, grids=grids, tags=tags, today=timezone.localdate())


def check_row(values: dict, ctx: Context) -> tuple[dict, list[tuple[str, str]]]:
    """Parse one row into service arguments; the errors are (column key, message) pairs."""
    errors = []
    out = {}
    for key, text in values.items():
        if text.startswith("="):
            errors.append((key, _("Formulas are not accepted: type the value itself.")))
    if errors:
        return out, errors
    for key in REQUIRED:
        if not values.get(key, ""):
            errors.append((key, _("This cell is required.")))
    grid_name = values.get("grid", "")
    if grid_name:
        grid = ctx.grids.get(grid_name)
        if grid is None:
            errors.append(("grid", _("No grid of this name in the chosen community.")))
    elif len({u.pk for u in ctx.grids.values()}) == 1:
        grid = next(iter(ctx.grids.values()))
    else:
        grid = None
        errors.append(("grid", _("This cell is required.")))
    out["grid"] = grid
    for key in ("address", "building", "unit_no", "room_no", "name", "name_bo", "former_names",
                "party_branch", "employer_unit"):  # fmt: skip
        out[key] = values.get(key, "")
    for key, mapping in WORDS.items():
        text = values.get(key, "")
        if text in mapping:
            out[key] = mapping[text]
        elif text in mapping.values() and text != "":
            out[key] = text
        else:
            errors.append((key, _("“%(value)s” is not one of: %(choices)s.") % {
                "value": text, "choices": "、".join(w for w in mapping if w)}))  # fmt: skip
    ethnicity = values.get("ethnicity", "")
    if ethnicity and ethnicity not in ETHNIC_GROUPS and ethnicity != ETHNICITY_OTHER:
        if ethnicity + "族" in ETHNIC_GROUPS:
            ethnicity += "族"
        else:
            errors.append(("ethnicity", _("Not one of the 56 ethnic groups (or 其他).")))
    out["ethnicity"] = ethnicity
    birth = None
    if values.get("birth_date"):
        try:
            birth = _parse_date(values["birth_date"])
        except ValueError:
            errors.append(("birth_date", _("Write the date as 1980-05-01.")))
        else:
            if birth > ctx.today:
                errors.append(("birth_date", _("The date of birth is in the future.")))
                birth = None
    out["birth_date"] = birth
    grade = values.get("disability_grade", "")
    out["disability_grade"] = None
    if grade:
        digits = (
            grade.replace("级", "")
            .replace("一", "1")
            .replace("二", "2")
            .replace("三", "3")
            .replace("四", "4")
        )
        if digits in {"1", "2", "3", "4"}:
            out["disability_grade"] = int(digits)
        else:
            errors.append(("disability_grade", _("A disability grade is 1, 2, 3 or 4.")))
    if out.get("disability_type") and out["disability_grade"] is None and not grade:
        errors.append(("disability_grade", _("A disability has a grade from 1 to 4.")))
    if out["disability_grade"] and not out.get("disability_type"):
        errors.append(("disability_type", _("Choose the type of disability for this grade.")))
    if out.get("employer_unit") and not out.get("is_party_member"):
        errors.append(("employer_unit", _("The employer unit is recorded for party members only.")))
    tags = []
    for word in [
        w.strip() for w in values.get("care_tags", "").replace("，", ",").replace("、", ",").split(",")
    ]:
        if not word:
            continue
        tag = ctx.tags.get(word)
        if tag is None:
            errors.append(("care_tags", _("Unknown care tag: %(tag)s.") % {"tag": word}))
        else:
            tags.append(tag)
    out["care_tags"] = tags
    try:
        out["phone"] = validate_phone(values.get("phone", ""))
    except ApplicationError as exc:
        errors.append(("phone", str(exc.message)))
    if values.get("document_number") and "document_type" in out:
        try:
            out["document_number"] = validate_document(
                document_type=out["document_type"],
                number=values["document_number"],
                birth_date=birth,
                gender=out.get("gender", ""),
                today=ctx.today,
            )
        except ApplicationError as exc:
            errors.append(("document_number", str(exc.message)))
    else:
        out["document_number"] = ""
    return out, errors


# --- the job --------------------------------------------------------------------------------------


def _imports_dir() -> Path:
    target = Path(settings.MEDIA_ROOT) / "registry-imports"
    target.mkdir(parents=True, exist_ok=True)
    return target


@transaction.atomic
def import_start(*, actor, file, org_unit: OrgUnit, mode: str = ImportJob.Mode.ALL_OR_NOTHING) -> ImportJob:
    """Store the file, refuse what is not a table, refuse the same file while it runs, and run it
    now (small files) or in the background (large ones)."""
    if org_unit.kind not in (OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY):
        raise ApplicationError(_("Import into a grid or a community."), field="org_unit")
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than 60 MB."), code="too_large", field="file")
    if not data:
        raise FileRefused(_("The file is empty."), code="empty", field="file")
    name = Path(getattr(file, "name", "") or "import").name[:255]
    _sniff(data[:4096], name)
    sha = hashlib.sha256(data).hexdigest()
    running = ImportJob.objects.filter(
        org_unit=org_unit, sha256=sha, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).first()
    if running is not None:
        raise ConflictError(
            _("This file is already being imported."), code="import_running", extra={"job_id": running.pk}
        )
    path = _imports_dir() / f"{sha}-{timezone.now():%Y%m%d%H%M%S%f}"
    path.write_bytes(data)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                org_unit=org_unit,
                created_by=actor,
                filename=name,
                sha256=sha,
                path=str(path),
                mode=mode,
                status=ImportJob.Status.QUEUED,
            )
    except IntegrityError as exc:  # the same file started at the same moment
        raise ConflictError(_("This file is already being imported."), code="import_running") from exc
    audit.record(
        actor=actor, action="import.start", obj=job, detail={"file": name, "size": len(data), "mode": mode}
    )
    if len(data) > getattr(settings, "GONGZHI_IMPORT_BACKGROUND_BYTES", BACKGROUND_ABOVE_BYTES):
        from .tasks import run_import_task

        transaction.on_commit(lambda: run_import_task.enqueue(job.pk))
    else:
        transaction.on_commit(lambda: import_run(job_id=job.pk))
    return job


def _fail(job: ImportJob, message: str) -> None:
    # Only these fields: the counters of the batches already committed stay as the database has them.
    job.status = ImportJob.Status.FAILED
    job.message = message[:255]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])


def import_run(*, job_id: int) -> ImportJob:
    """Run a queued job (in the request for small files, in the worker for large ones)."""
    updated = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    job = ImportJob.objects.select_related("org_unit", "created_by").get(pk=job_id)
    if not updated:
        return job  # started already by someone else
    try:
        _run(job)
    except FileRefused as exc:
        _fail(job, str(exc.message))
    except Exception:
        log.exception("registry import %s failed", job.pk)
        if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            message = _("The import stopped because of an unexpected error; nothing was written.")
        else:
            message = _(
                "The import stopped because of an unexpected error; nothing after the last batch was written."
            )
        _fail(job, message)
        raise
    return job


def _household_key(grid_id, address):
    return (grid_id, address.strip())


def _run(job: ImportJob) -> None:
    path = Path(job.path)
    ctx = make_context(job.org_unit)
    # Pass 1: check every row; nothing is written.
    _header, rows = read_table(path, job.filename)
    estimate = estimate_rows(path, job.filename)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=estimate, checked_rows=0, processed_rows=0)
    errors: list[RowError] = []
    seen_docs: dict[str, int] = {}
    heads: dict[tuple, int] = {}
    head_docs: dict[tuple, str | None] = {}
    bad_rows: set[int] = set()
    total = 0
    for number, values in rows:
        total += 1
        out, row_errors = check_row(values, ctx)
        doc = out.get("document_number")
        if doc and not any(k == "document_number" for k, _m in row_errors):
            index = crypto.blind_index(doc, purpose="document")
            if index in seen_docs:
                row_errors.append(
                    (
                        "document_number",
                        _("The same document number is on row %(row)s too.") % {"row": seen_docs[index]},
                    )
                )
            else:
                seen_docs[index] = number
        if out.get("relationship_to_head") == "head" and out.get("grid") is not None:
            key = _household_key(out["grid"].pk, out.get("address", ""))
            if key in heads:
                row_errors.append(
                    (
                        "relationship_to_head",
                        _("This household already has its head on row %(row)s.") % {"row": heads[key]},
                    )
                )
            else:
                heads[key] = number
                head_docs[key] = crypto.blind_index(doc, purpose="document") if doc else None
        for key, message in row_errors:
            errors.append(RowError(number, HEADER_OF_KEY.get(key, ""), message))
        if row_errors:
            bad_rows.add(number)
        if total % PROGRESS_EVERY == 0:
            _progress(job, total_rows=max(estimate, total), checked_rows=total)
    # A head row for a household whose registered head is somebody else is refused (change the
    # head through the household's page, where the history shows it).
    head_keys = list(heads)
    for start in range(0, len(head_keys), 1000):
        chunk = head_keys[start : start + 1000]
        registered = Resident.objects.filter(
            relationship_to_head=Resident.Relationship.HEAD,
            status=Resident.Status.LIVING,
            household__is_active=True,
            household__org_unit_id__in={k[0] for k in chunk},
            household__address__in={k[1] for k in chunk},
        ).values_list("household__org_unit_id", "household__address", "document_index")
        wanted = set(chunk)
        for grid_id, address, index in registered:
            key = (grid_id, address)
            if key in wanted and (index is None or index != head_docs.get(key)):
                number = heads[key]
                errors.append(
                    RowError(
                        number,
                        HEADER_OF_KEY["relationship_to_head"],
                        _("This household already has another registered head."),
                    )
                )
                bad_rows.add(number)
    # Documents already registered outside this community or grid cannot be taken over.
    if seen_docs:
        index_list = list(seen_docs)
        for start in range(0, len(index_list), 1000):
            for index, unit_path in Resident.objects.filter(
                document_index__in=index_list[start : start + 1000]
            ).values_list("document_index", "org_unit__path"):
                if not unit_path.startswith(job.org_unit.path):
                    number = seen_docs[index]
                    errors.append(
                        RowError(
                            number,
                            HEADER_OF_KEY["document_number"],
                            _("This document number is registered in another community."),
                        )
                    )
                    bad_rows.add(number)
    errors.sort(key=lambda e: e.row)
    job.total_rows = total
    job.checked_rows = total
    job.error_count = len(errors)
    job.errors = [e.as_dict() for e in errors[:MAX_STORED_ERRORS]]
    job.message = ""
    job.save(update_fields=["total_rows", "checked_rows", "error_count", "errors", "message"])
    if errors and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        _fail(job, _("Nothing was imported: %(n)s rows have errors. Correct them, or import only the valid rows.")
              % {"n": len(bad_rows)})  # fmt: skip
        return
    # Pass 2: write the valid rows in batches. All-or-nothing writes them in one transaction, so
    # that an unexpected failure half-way (a number registered by someone else since the check, a
    # lost worker) leaves nothing behind; importing the valid rows commits batch by batch.
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        _write_all(job, path, ctx, bad_rows, total)
    else:
        _write_valid(job, path, ctx, bad_rows, total)


def _valid_batches(job: ImportJob, path: Path, ctx: Context, bad_rows: set[int]):
    """(rows read so far, batch) for the rows that passed the check, BATCH at a time."""
    _header, rows = read_table(path, job.filename)
    batch = []
    done = 0
    for number, values in rows:
        done += 1
        if number in bad_rows:
            continue
        out, _errs = check_row(values, ctx)
        batch.append((number, out))
        if len(batch) >= BATCH:
            yield done, batch
            batch = []
    if batch:
        yield done, batch


def _audit_batch(job: ImportJob, stats: dict) -> None:
    audit.record(actor=job.created_by, action="import.batch", obj=job, detail=stats)


def _write_valid(job: ImportJob, path: Path, ctx: Context, bad_rows: set[int], total: int) -> None:
    for done, batch in _valid_batches(job, path, ctx, bad_rows):
        with transaction.atomic():
            stats = _write_batch(job, batch, ctx)
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=done,
                created_count=F("created_count") + stats["created"],
                updated_count=F("updated_count") + stats["updated"],
                unchanged_count=F("unchanged_count") + stats["unchanged"],
            )
            _audit_batch(job, stats)  # last: the audit chain's lock is held for the commit only
    with transaction.atomic():
        job.refresh_from_db()
        _finish(job, total)


def _write_all(job: ImportJob, path: Path, ctx: Context, bad_rows: set[int], total: int) -> None:
    """One transaction for every row. The batches' audit entries are appended at its end, so the
    audit chain's global lock (core.audit) is taken for the last statements and the commit, not
    for the whole import; progress goes through a connection of its own so that the page sees it
    while this transaction is still open."""
    side = _SideProgress(job)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        with transaction.atomic():
            batches = []
            for done, batch in _valid_batches(job, path, ctx, bad_rows):
                stats = _write_batch(job, batch, ctx)
                batches.append(stats)
                for key in counts:
                    counts[key] += stats[key]
                side.update(processed_rows=done)
            for stats in batches:
                _audit_batch(job, stats)
            job.created_count = counts["created"]
            job.updated_count = counts["updated"]
            job.unchanged_count = counts["unchanged"]
            _finish(job, total)
    finally:
        side.close()


def _finish(job: ImportJob, total: int) -> None:
    job.processed_rows = total
    job.checked_rows = total
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.message = ""
    job.save()
    audit.record(
        actor=job.created_by,
        action="import.finish",
        obj=job,
        detail={
            "rows": total,
            "created": job.created_count,
            "updated": job.updated_count,
            "errors": job.error_count,
        },
    )


PROGRESS_EVERY = 2000


def _progress(job: ImportJob, **fields) -> None:
    """Progress of the first pass, written at once (no transaction is open then)."""
    ImportJob.objects.filter(pk=job.pk).update(**fields)


class _SideProgress:
    """Progress written while the import's transaction is open. On PostgreSQL it goes through a
    second connection in autocommit, on the job's row only (which the import's transaction does not
    touch until its end), so the page's polling sees the bar move. SQLite admits one writer at a
    time: there the second pass shows its progress when it commits."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.connection = None
        if connection.vendor == "postgresql":
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def update(self, *, processed_rows: int) -> None:
        if self.connection is None:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
                [processed_rows, self.job.pk],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def estimate_rows(path: Path, name: str) -> int:
    """The number of data rows, read cheaply before the check (exact after it): the lines of a CSV
    file, the dimension an .xlsx sheet declares (0 when it declares none)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if _sniff(head, name) == "csv":
        data = path.read_bytes()
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        return max(0, lines - 1)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - read_table reports the broken file
        return 0
    try:
        rows = workbook.worksheets[0].max_row or 0
    finally:
        workbook.close()
    return max(0, rows - 1)


IMPORT_FIELDS = [
    "name", "name_bo", "former_names", "gender", "birth_date", "ethnicity", "relationship_to_head",
    "document_type", "education", "employment", "medical_insurance", "is_party_member", "party_branch",
    "employer_unit", "disability_type", "disability_grade",
]  # fmt: skip


def _write_batch(job: ImportJob, batch: list[tuple[int, dict]], ctx: Context) -> dict:
    """Write one batch inside the caller's transaction; return what it did (for the job's counters
    and its audit entry)."""
    from .services import _value

    actor = job.created_by
    now = timezone.now()
    # Households: match on grid and address among active households, create the missing ones.
    keys = {_household_key(out["grid"].pk, out["address"]) for _n, out in batch}
    grid_ids = {k[0] for k in keys}
    households = {
        _household_key(h.org_unit_id, h.address): h
        for h in Household.objects.filter(
            org_unit_id__in=grid_ids, address__in={k[1] for k in keys}, is_active=True
        )
    }
    buildings = {}
    from .models import Building

    for b in Building.objects.filter(org_unit_id__in=grid_ids):
        buildings[(b.org_unit_id, b.name)] = b
    new_households = []
    for _n, out in batch:
        key = _household_key(out["grid"].pk, out["address"])
        if key not in households:
            building = buildings.get((out["grid"].pk, out["building"])) if out["building"] else None
            if out["building"] and building is None:
                building = Building.objects.create(
                    org_unit=out["grid"], name=out["building"], address=out["address"]
                )
                buildings[(out["grid"].pk, out["building"])] = building
            household = Household(
                org_unit=out["grid"],
                address=key[1],
                building=building,
                unit_no=out["unit_no"],
                room_no=out["room_no"],
                registration_type=out["registration_type"],
            )
            households[key] = household
            new_households.append(household)
    Household.objects.bulk_create(new_households)
    changes = [
        ChangeRecord(
            org_unit_id=h.org_unit_id, household=h, actor=actor, at=now, action="import",
            changes=[{"field": "address", "old": None, "new": h.address}], note=job.filename,
        )
        for h in new_households
    ]  # fmt: skip
    # Residents: upsert on the document number's blind index.
    indexes = [
        crypto.blind_index(out["document_number"], purpose="document")
        for _n, out in batch
        if out["document_number"]
    ]
    existing = {
        r.document_index: r
        for r in Resident.objects.filter(document_index__in=indexes)
        .select_related("household")
        .prefetch_related("care_tags")
    }
    heads = set(
        Resident.objects.filter(
            household__in=[h for h in households.values() if h.pk],
            relationship_to_head="head",
            status="living",
        ).values_list("household_id", flat=True)
    )
    to_create, to_update, tag_links = [], [], []
    created = updated = unchanged = 0
    for _n, out in batch:
        household = households[_household_key(out["grid"].pk, out["address"])]
        index = (
            crypto.blind_index(out["document_number"], purpose="document") if out["document_number"] else None
        )
        resident = existing.get(index) if index else None
        if resident is None:
            resident = Resident(
                org_unit_id=household.org_unit_id, household=household, status=Resident.Status.LIVING
            )
            before = None
        else:
            before = {f: _value(resident, f) for f in [*IMPORT_FIELDS, "phone"]}
            before_tags = sorted(t.code for t in resident.care_tags.all())
        for f in IMPORT_FIELDS:
            if f == "name":
                resident.set_name(out["name"])
            else:
                setattr(resident, f, out[f])
        resident.set_document(out["document_number"])
        if before is None or out["phone"] != resident.phone:
            resident.set_phone(out["phone"])
        if before is None and resident.relationship_to_head == "head":
            if household.pk in heads:
                resident.relationship_to_head = "other"  # the household's head is already registered
            heads.add(household.pk)
        elif (
            before is not None
            and resident.relationship_to_head == "head"
            and before["relationship_to_head"] != "head"
        ):
            if resident.household_id in heads:
                resident.relationship_to_head = before["relationship_to_head"]
            heads.add(resident.household_id)
        moved_from = None
        if before is not None and resident.household_id != household.pk:
            # Another address (or grid) on the row: the resident moved into that household, as
            # resident_move would record it (pass 1 refused a second head there).
            moved_from = resident.household
            resident.household = household
            resident.org_unit_id = household.org_unit_id
            if resident.relationship_to_head == "head":
                heads.add(household.pk)
        if before is None:
            to_create.append((resident, out["care_tags"]))
            created += 1
            continue
        diff = [
            {"field": f, "old": before[f], "new": _value(resident, f)}
            for f in [*IMPORT_FIELDS, "phone"]
            if before[f] != _value(resident, f)
        ]
        new_tags = sorted(t.code for t in out["care_tags"])
        if out["care_tags"] and not set(new_tags) <= set(before_tags):
            merged = {t.pk for t in resident.care_tags.all()} | {t.pk for t in out["care_tags"]}
            diff.append(
                {
                    "field": "care_tags",
                    "old": ", ".join(before_tags),
                    "new": ", ".join(sorted(set(before_tags) | set(new_tags))),
                }
            )
            tag_links.extend((resident, pk) for pk in merged)
        if moved_from is not None:
            diff.append({"field": "household", "old": moved_from.address, "new": household.address})
            changes.append(
                ChangeRecord(org_unit_id=moved_from.org_unit_id, household=moved_from, actor=actor, at=now,
                             action="member_left", changes=[{"field": "members", "old": resident.name, "new": None}],
                             note=job.filename)
            )  # fmt: skip
        if diff:
            to_update.append(resident)
            changes.append(
                ChangeRecord(org_unit_id=resident.org_unit_id, resident=resident, household_id=resident.household_id,
                             actor=actor, at=now, action="import", changes=diff, note=job.filename)
            )  # fmt: skip
            updated += 1
        else:
            unchanged += 1
    Resident.objects.bulk_create([r for r, _t in to_create])
    for resident, tags in to_create:
        tag_links.extend((resident, t.pk) for t in tags)
        changes.append(
            ChangeRecord(org_unit_id=resident.org_unit_id, resident=resident, household_id=resident.household_id,
                         actor=actor, at=now, action="import", note=job.filename,
                         changes=[{"field": f, "old": None, "new": _value(resident, f)} for f in [*IMPORT_FIELDS, "document_number", "phone"]
                                  if _value(resident, f) not in ("", None, False)])
        )  # fmt: skip
    if to_update:
        Resident.objects.bulk_update(
            to_update,
            [
                *IMPORT_FIELDS,
                "name_pinyin",
                "name_initials",
                "phone",
                "phone_index",
                "phone_last4",
                "household",
                "org_unit",
            ],
        )
    if tag_links:
        Through = Resident.care_tags.through
        Through.objects.bulk_create(
            [Through(resident_id=r.pk, caretag_id=t) for r, t in tag_links], ignore_conflicts=True
        )
    ChangeRecord.objects.bulk_create(changes)
    return {
        "rows": len(batch),
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "households": len(new_households),
    }


# --- files for the user ---------------------------------------------------------------------------

ESCAPE_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """A text cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(ESCAPE_PREFIXES):
        return "'" + value
    return value


def template_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "居民信息"
    ws.append(HEADERS)
    for cell, (key, _header, required) in zip(ws[1], COLUMNS, strict=True):
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        if key in WORDS:
            cell.comment = Comment("、".join(w for w in WORDS[key] if w), "Gongzhi")
    ws.append(
        ["", "纳金路12号院3栋2单元301", "纳金路12号院", "2", "301", "户籍", "户主", "张晓鑫", "", "", "女", "1980-05-01",
         "汉族", "居民身份证", "", "13908910000", "大专", "在职", "城乡居民医保", "是", "纳金社区第一党支部", "",
         "", "", ""]
    )  # fmt: skip
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def errors_workbook(job: ImportJob) -> bytes:
    """A copy of the uploaded rows with the bad cells filled red, a comment on each and a last
    column listing the row's errors. Cell values are written as text, escaped against formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    red = PatternFill("solid", fgColor="FFC7CE")
    by_row: dict[int, dict[str, list[str]]] = {}
    for e in job.errors:
        by_row.setdefault(e["row"], {}).setdefault(e["column"], []).append(e["message"])
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民信息")
    header, rows = read_table(Path(job.path), job.filename)
    ws.append([*header, "错误"])
    for number, values in rows:
        row_errors = by_row.get(number, {})
        cells = []
        for key in (KEY_OF_HEADER[h] for h in header):
            cell = WriteOnlyCell(ws, value=escape_cell(values.get(key, "")))
            messages = row_errors.get(HEADER_OF_KEY[key])
            if messages:
                cell.fill = red
                cell.comment = Comment("\n".join(messages), "Gongzhi")
            cells.append(cell)
        summary = "; ".join(f"{col or '—'}: {m}" for col, ms in row_errors.items() for m in ms)
        cells.append(escape_cell(summary))
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


EXPORT_COLUMNS = [
    ("grid", "网格"), ("address", "地址"), ("relationship_to_head", "与户主关系"), ("name", "姓名"),
    ("name_bo", "藏文姓名"), ("gender", "性别"), ("birth_date", "出生日期"), ("age", "年龄"),
    ("ethnicity", "民族"), ("document_type", "证件类型"), ("document_number", "证件号码"), ("phone", "联系电话"),
    ("education", "文化程度"), ("employment", "就业状况"), ("medical_insurance", "医疗保险"),
    ("is_party_member", "是否党员"), ("party_branch", "所在党组织"), ("employer_unit", "工作单位"),
    ("disability_type", "残疾类别"), ("disability_grade", "残疾等级"), ("care_tags", "关怀标签"), ("status", "状态"),
]  # fmt: skip
STATUS_WORDS = {"living": "在住", "moved_out": "迁出", "deceased": "死亡"}


def export_workbook(residents, *, unmasked: bool, today=None) -> tuple[bytes, int]:
    """An xlsx of the residents (a queryset, iterated in chunks), masked unless `unmasked`."""
    from openpyxl import Workbook

    today = today or timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append([h for _k, h in EXPORT_COLUMNS])
    n = 0
    for r in residents.iterator(chunk_size=2000):
        n += 1
        tags = [TAG_WORDS_ZH[c] for c in r.derived_tags(today)]
        tags += [
            TAG_WORDS_ZH.get(t.code, t.name) if t.org_unit_id is None else t.name for t in r.care_tags.all()
        ]
        row = {
            "grid": r.org_unit.name,
            "address": r.household.address,
            "relationship_to_head": CODE_TO_WORD["relationship_to_head"].get(r.relationship_to_head, ""),
            "name": r.name,
            "name_bo": r.name_bo,
            "gender": CODE_TO_WORD["gender"].get(r.gender, ""),
            "birth_date": r.birth_date.isoformat(),
            "age": r.age_on(today),
            "ethnicity": r.ethnicity,
            "document_type": CODE_TO_WORD["document_type"].get(r.document_type, ""),
            "document_number": r.document_number if unmasked else r.masked_document,
            "phone": r.phone if unmasked else r.masked_phone,
            "education": CODE_TO_WORD["education"].get(r.education, ""),
            "employment": CODE_TO_WORD["employment"].get(r.employment, ""),
            "medical_insurance": CODE_TO_WORD["medical_insurance"].get(r.medical_insurance, ""),
            "is_party_member": "是" if r.is_party_member else "否",
            "party_branch": r.party_branch,
            "employer_unit": r.employer_unit,
            "disability_type": CODE_TO_WORD["disability_type"].get(r.disability_type, ""),
            "disability_grade": r.disability_grade or "",
            "care_tags": "、".join(tags),
            "status": STATUS_WORDS.get(r.status, r.status),
        }
        ws.append([escape_cell(row[k]) for k, _h in EXPORT_COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), n
