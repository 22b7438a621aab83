"""Journey of the resident import: staff upload an Excel file, the background worker writes it while
the progress bar fills up to 100%; a file with bad cells is refused whole, with its errors per row."""

import io

from openpyxl import Workbook

from conftest import DESKTOP

COLUMNS = ["网格", "地址", "与户主关系", "姓名", "性别", "出生日期", "联系电话"]
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["建国", "丹增", "卓玛", "次仁", "拉姆", "格桑", "央金", "明", "鑫", "平措"]


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_rows(n, street="导入测试"):
    rows = []
    for i in range(n):
        address = f"纳金路北段 {street} {i // 3 + 1} 号"
        relation = "户主" if i % 3 == 0 else ("配偶" if i % 3 == 1 else "子女")
        name = SURNAMES[i % 10] + GIVEN[(i // 10) % 10]
        rows.append(
            [
                "第一网格",
                address,
                relation,
                name,
                "男" if i % 2 else "女",
                f"19{60 + i % 40}-0{1 + i % 9}-1{i % 10}",
                "",
            ]
        )
    return rows


def upload(j, filename, data, mode="all"):
    j.goto("/registry/import/")
    j.page.set_input_files(
        "#id_file",
        files=[
            {
                "name": filename,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data,
            }
        ],
    )
    j.page.select_option("#id_org_unit", label="纳金社区")
    j.page.select_option("#id_mode", mode)
    j.shot(f"upload-{filename}")
    j.page.click("form button[type=submit].btn-primary")
    j.page.wait_for_load_state()
    assert "/registry/import/" in j.page.url and j.page.url.rstrip("/").split("/")[-1].isdigit(), j.page.url


def test_staff_import_residents_and_watch_the_progress_bar_reach_100(journey):
    j = journey(DESKTOP, name="import-good")
    j.login("staff")
    j.goto("/registry/import/")
    j.check_a11y()
    j.shot("import-page")
    data = workbook(good_rows(150))
    assert len(data) > 2048  # the e2e server runs imports above 2 KB in the background worker
    upload(j, "居民导入.xlsx", data)
    bar = j.page.locator("#import-progress progress")
    assert bar.count() == 1  # queued or running: the bar polls by htmx
    j.shot("progress")
    j.page.wait_for_function(
        "() => { const p = document.querySelector('#import-progress progress');"
        " return p && p.value === 100 && !document.querySelector('#import-progress[hx-get]'); }",
        timeout=180_000,
    )
    stats = j.page.locator("#import-progress .stats").inner_text()
    assert "150" in stats, stats
    j.check_a11y()
    j.shot("done-100")


def test_a_file_with_errors_shows_them_per_row_and_writes_nothing(journey):
    j = journey(DESKTOP, name="import-errors")
    j.login("staff")
    rows = good_rows(60, street="错误测试")  # households of their own, not the first journey's
    rows[4][4] = "未知"  # gender: row 6 of the sheet
    rows[9][5] = "1980-13-45"  # a date that does not exist: row 11
    rows[20][3] = ""  # no name: row 22
    upload(j, "有错误的名单.xlsx", workbook(rows))
    j.page.wait_for_selector("table tbody tr", timeout=180_000)
    table = j.page.locator("main table tbody")
    text = table.inner_text()
    assert table.locator("tr").count() == 3, text
    cells = [table.locator("tr").nth(i).locator("td").first.inner_text() for i in range(3)]
    assert cells == ["6", "11", "22"], cells
    assert "性别" in text and "出生日期" in text and "姓名" in text
    assert "0" in j.page.locator("#import-progress .stats .stat").nth(1).inner_text()
    j.check_a11y()
    j.shot("errors-per-row")
