"""Journey of the points bank: staff scan a resident's cloud check-in card at the counter and award
volunteer points, the resident sees their balance rise (in Tibetan), staff exchange the points for
goods at the love supermarket and the stock falls."""

import re
import sqlite3

from conftest import PHONE, ROOT

RESIDENT = "13908910001"


def card_token(username: str) -> str:
    """What the QR code on the resident's card holds. A USB or camera scanner types exactly this into
    the counter's code field; the browser under test has no camera, so the journey types it."""
    db = sqlite3.connect(ROOT / "var" / "e2e.sqlite3")
    try:
        row = db.execute(
            "SELECT c.token FROM registry_checkincard c JOIN registry_resident r ON r.id = c.resident_id "
            "JOIN accounts_user u ON u.id = r.user_id WHERE u.username = ? AND c.revoked_at IS NULL",
            (username,),
        ).fetchone()
    finally:
        db.close()
    assert row, f"no active card for {username}"
    return row[0]


def number(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def test_staff_award_points_by_card_the_balance_rises_and_a_redemption_lowers_the_stock(journey):
    # The resident makes sure they have a card and notes their balance (their page in Tibetan).
    resident = journey(PHONE, language="bo", name="points-resident")
    resident.login(RESIDENT)
    resident.goto("/registry/my-card/")
    if resident.page.locator(".checkin-card .qr svg").count() == 0:
        resident.page.click(".checkin-card form button[type=submit]")
        resident.page.wait_for_load_state()
    assert resident.page.locator(".checkin-card .qr svg").count() == 1
    resident.check_a11y()
    resident.check_tibetan()
    resident.shot("card")
    resident.goto("/points/me/")
    before = number(resident.page.locator(".stats .stat .num").first.inner_text())
    lifetime_before = number(resident.page.locator(".stats .stat .num").nth(1).inner_text())
    resident.check_a11y()
    resident.check_tibetan()
    resident.shot("balance-before")
    token = card_token(f"r{RESIDENT}")

    # Staff at the counter scan the card.
    staff = journey(PHONE, name="points-staff")
    staff.page.on("dialog", lambda d: d.accept())  # "Confirm the exchange?"
    staff.login("staff")
    staff.goto("/points/counter/")
    staff.check_a11y()
    staff.shot("counter")
    staff.page.fill("[data-scan-target]", token)
    staff.page.click("form[data-scan-form] button[type=submit]")
    staff.page.wait_for_load_state()
    assert "/points/counter/" in staff.page.url and staff.page.locator("h1").count() == 1
    balance = staff.page.locator("dl.facts dd strong")
    assert number(balance.inner_text()) == before
    staff.check_a11y()
    staff.shot("resident-at-counter")

    # Three hours of volunteer service: 1 point an hour.
    staff.page.select_option("#id_rule", "volunteer-hour")
    staff.page.fill("#id_quantity", "3")
    staff.page.fill("#id_note", "社区书咖值班")
    staff.page.click("form[action$='/award/'] button[type=submit]")
    staff.page.wait_for_load_state()
    assert staff.page.locator(".messages .msg-success").count() == 1
    assert number(balance.inner_text()) == before + 3
    staff.shot("awarded")

    # The resident's page shows the new balance and the entry with its reason.
    resident.goto("/points/me/")
    assert number(resident.page.locator(".stats .stat .num").first.inner_text()) == before + 3
    assert number(resident.page.locator(".stats .stat .num").nth(1).inner_text()) == lifetime_before + 3
    assert "社区书咖值班" in resident.page.locator("main").inner_text()
    resident.check_tibetan()
    resident.shot("balance-after-award")

    # Staff exchange points for an affordable item in stock; its stock falls by one.
    staff.page.reload()
    items = staff.page.locator("form[action$='/redeem/'] ul.list li")
    chosen = None
    for i in range(items.count()):
        field = items.nth(i).locator("input[type=number]")
        if field.count() and field.is_enabled():
            chosen = items.nth(i)
            break
    assert chosen is not None, "nothing affordable in stock"
    name = chosen.locator("strong").inner_text()
    price = int(re.search(r"·\D*?(\d+)", chosen.inner_text()).group(1))
    counter_url = staff.page.url

    def stock_of(item):
        staff.goto("/points/rewards/")
        row = staff.page.locator("main tbody tr").filter(has_text=item).first
        return number(row.locator("td").nth(2).inner_text())

    stock_before = stock_of(name)
    staff.shot("stock-before")
    staff.page.goto(counter_url)
    staff.page.locator("form[action$='/redeem/'] ul.list li").filter(has_text=name).locator(
        "input[type=number]"
    ).fill("1")
    staff.shot("exchange")
    staff.page.click("form[action$='/redeem/'] button[type=submit]")
    staff.page.wait_for_load_state()
    assert "/points/redemptions/" in staff.page.url, staff.page.url
    assert name in staff.page.locator("main").inner_text()
    staff.check_a11y()
    staff.shot("receipt")
    assert stock_of(name) == stock_before - 1
    staff.check_a11y()
    staff.shot("stock-after")

    resident.goto("/points/me/")
    assert number(resident.page.locator(".stats .stat .num").first.inner_text()) == before + 3 - price
    # Redeeming does not lower the lifetime total.
    assert number(resident.page.locator(".stats .stat .num").nth(1).inner_text()) == lifetime_before + 3
    resident.check_tibetan()
    resident.shot("balance-after-exchange")
