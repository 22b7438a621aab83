"""Files: the bank file of a batch (CSV or xlsx), the bank's returned file, the care report xlsx."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from gongzhi.core.errors import ApplicationError

from . import calc


def bank_rows(batch, lines):
    header = [
        _("Line"),
        _("Account name"),
        _("Account number"),
        _("Amount (yuan)"),
        _("Month"),
        _("Programme"),
    ]
    rows = [
        [
            line.pk,
            line.payee_name,
            line.masked_account,
            f"{calc.fen(line.amount):.2f}",
            f"{line.month:%Y-%m}",
            batch.programme.code,
        ]
        for line in lines
    ]
    return header, rows


def to_csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens Chinese text correctly


def to_xlsx(sheets: list[tuple[str, list, list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append([str(h) for h in header])
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parse_bank_return(data: bytes) -> dict:
    """The bank's returned CSV: line id, result (paid/failed, or 成功/失败), optional reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ApplicationError(
                _("The file is not a readable CSV."), code="invalid", field="file"
            ) from exc
    words = {
        "paid": "paid",
        "成功": "paid",
        "success": "paid",
        "failed": "failed",
        "失败": "failed",
        "fail": "failed",
    }
    results = {}
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip():
            continue
        if not row[0].strip().isdigit():
            if n == 1:
                continue  # header
            raise ApplicationError(
                _("Row %(n)s has no line number.") % {"n": n}, code="invalid", field="file"
            )
        status = words.get((row[1] if len(row) > 1 else "").strip().lower())
        if status is None:
            raise ApplicationError(
                _("Row %(n)s has no result (paid or failed).") % {"n": n}, code="invalid", field="file"
            )
        results[int(row[0])] = (status, row[2].strip() if len(row) > 2 else "")
    return results
