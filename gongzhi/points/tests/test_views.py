import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SignInClient
from gongzhi.accounts.roles import Role
from gongzhi.points import services
from gongzhi.points.models import AwardRequest, PointAccount, Redemption, Reward
from gongzhi.registry import services as registry_services

from .conftest import make_resident

pytestmark = pytest.mark.django_db


def as_user(user):
    c = SignInClient()
    c.force_login(user)
    return c


def acc(resident):
    return services.account_open(actor=None, resident=resident)


def test_the_counter_finds_a_resident_by_card_and_by_phone(bank):
    card = registry_services.card_issue(actor=bank.staff, resident=bank.alice)
    client = as_user(bank.staff)
    r = client.post(reverse("points:counter"), {"code": card.token})
    assert r.status_code == 302 and f"/points/counter/{bank.alice.pk}/" in r["Location"]
    bob = bank.bob
    bob.set_phone("13908901234")
    bob.save(update_fields=["phone", "phone_index", "phone_last4"])
    r = client.post(reverse("points:counter"), {"code": "139 0890 1234"})
    assert f"/points/counter/{bob.pk}/" in r["Location"]
    # A revoked card, an unknown code and a resident of another community are not found.
    registry_services.card_issue(actor=bank.staff, resident=bank.alice)
    for code in (
        card.token,
        "nonsense",
        registry_services.card_issue(actor=bank.staff_b, resident=bank.carol).token,
    ):
        r = client.post(reverse("points:counter"), {"code": code})
        assert r.status_code == 200 and "未找到与此卡号或手机号对应的居民" in r.content.decode()


def test_the_counter_page_has_camera_and_manual_entry_without_inline_script(bank):
    html = as_user(bank.staff).get(reverse("points:counter")).content.decode()
    assert "data-scan-video" in html and 'name="code"' in html and "points/scan.js" in html
    assert "<script>" not in html and "onclick" not in html


def test_manual_award_and_redemption_at_the_counter(bank):
    bank.reward("大米", price=20, stock=3)
    client = as_user(bank.staff)
    url = reverse("points:counter_award", args=[bank.alice.pk])
    r = client.post(
        url, {"rule": "cleanup", "quantity": "5", "note": "清理楼道", "idempotency_key": "form-1"}
    )
    assert r.status_code == 302
    client.post(url, {"rule": "cleanup", "quantity": "5", "note": "清理楼道", "idempotency_key": "form-1"})
    assert acc(bank.alice).balance == 25  # the double submit counted once
    page = client.get(reverse("points:counter_resident", args=[bank.alice.pk])).content.decode()
    assert "大米" in page and "25" in page
    rice = Reward.objects.get(name="大米")
    r = client.post(
        reverse("points:counter_redeem", args=[bank.alice.pk]),
        {f"qty-{rice.pk}": "1", "idempotency_key": "red-1"},
    )
    redemption = Redemption.objects.get()
    assert r["Location"] == reverse("points:receipt", args=[redemption.pk])
    receipt = client.get(r["Location"]).content.decode()
    assert redemption.receipt_number in receipt and "大米" in receipt and "撤销兑换" in receipt
    client.post(reverse("points:redemption_cancel", args=[redemption.pk]), {"reason": "拿错了"})
    assert acc(bank.alice).balance == 25 and Reward.objects.get(pk=rice.pk).stock == 3


def test_an_award_above_the_threshold_goes_to_approvals(bank):
    client = as_user(bank.staff)
    client.post(
        reverse("points:counter_award", args=[bank.alice.pk]),
        {"rule": "mediation", "quantity": "3", "note": "调解", "idempotency_key": "big"},
    )
    assert acc(bank.alice).balance == 0
    req = AwardRequest.objects.get()
    own = client.get(reverse("points:approvals")).content.decode()
    assert "您本人提交的" in own
    client.post(reverse("points:approval_decide", args=[req.pk]), {"decision": "approve"})
    assert acc(bank.alice).balance == 0  # the maker cannot approve
    as_user(bank.staff2).post(reverse("points:approval_decide", args=[req.pk]), {"decision": "approve"})
    assert acc(bank.alice).balance == 60


def test_bad_award_input_shows_an_error_not_a_500(bank):
    client = as_user(bank.staff)
    url = reverse("points:counter_award", args=[bank.alice.pk])
    r = client.post(url, {"rule": "cleanup", "quantity": "-1", "idempotency_key": "x"})
    assert r.status_code == 400
    r = client.post(url, {"rule": "volunteer", "quantity": "9", "idempotency_key": "y"})
    assert r.status_code == 400 and "每日 8 分的上限" in r.content.decode()
    assert PointAccount.objects.get(resident=bank.alice).balance == 0


def test_pages_are_scoped_to_the_community(bank):
    bank.fund(bank.alice, 10)
    account = acc(bank.alice)
    reward = bank.reward()
    other = as_user(bank.staff_b)
    assert other.get(reverse("points:account_detail", args=[account.pk])).status_code == 404
    assert other.get(reverse("points:reward_detail", args=[reward.pk])).status_code == 404
    assert other.get(reverse("points:counter_resident", args=[bank.alice.pk])).status_code == 404
    assert other.get(reverse("points:notice", args=[bank.community.pk])).status_code == 404
    resident_user = as_user(_resident_user(bank, bank.carol))
    assert resident_user.get(reverse("points:overview")).status_code == 403
    assert resident_user.get(reverse("points:counter")).status_code == 403


def _resident_user(bank, resident):
    from gongzhi.accounts import services as account_services

    user = account_services.user_create(actor=None, username=f"r{resident.pk}", password="Correct-Horse-42")
    account_services.role_assign(actor=None, user=user, role=Role.RESIDENT, org_unit=resident.org_unit.parent)
    resident.user = user
    resident.save(update_fields=["user"])
    return user


def test_the_resident_sees_balance_lifetime_statement_and_what_they_can_afford(bank):
    bank.fund(bank.alice, 30)
    bank.reward("毛巾", price=10, stock=5)
    bank.reward("大米", price=60, stock=5)
    html = as_user(_resident_user(bank, bank.alice)).get(reverse("points:mine")).content.decode()
    assert "30" in html and "环境整治" in html
    assert html.index("毛巾") < html.index("可以兑换") < html.index("大米")
    assert "积分还不够" in html


def test_the_resident_page_speaks_tibetan(bank):
    user = _resident_user(bank, bank.alice)
    client = as_user(user)
    client.cookies["django_language"] = "bo"
    html = client.get(reverse("points:mine"), HTTP_ACCEPT_LANGUAGE="bo").content.decode()
    assert "ངའི་སྐུགས་གྲངས།" in html and "My points" not in html


def test_the_public_notice_masks_names_and_is_printable(bank):
    bank.fund(bank.alice, 30)
    html = (
        as_user(_resident_user(bank, bank.bob))
        .get(reverse("points:notice", args=[bank.community.pk]), {"period": str(timezone.localdate().year)})
        .content.decode()
    )
    assert "张*鑫" in html and "张晓鑫" not in html


def test_the_accounts_page_costs_the_same_queries_at_two_sizes(bank, django_assert_max_num_queries):
    client = as_user(bank.staff)
    bank.fund(bank.alice, 10)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("points:overview"))
    for i in range(15):
        bank.fund(make_resident(bank.tree.grid_a1, f"居民甲{i}"), 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("points:overview"))


def test_staff_manage_rules_rewards_stock_and_close_the_ranking(bank):
    client = as_user(bank.staff)
    r = client.post(
        reverse("points:rule_create"),
        {
            "code": "patrol",
            "name": "巡逻",
            "category": "patrol",
            "unit": "hour",
            "points": "2",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    r = client.post(
        reverse("points:reward_create"),
        {"name": "砖茶", "points_price": "30", "stock": "6", "is_active": "on"},
    )
    tea = Reward.objects.get(name="砖茶")
    assert tea.stock == 6
    client.post(
        reverse("points:reward_detail", args=[tea.pk]),
        {"kind": "adjustment", "quantity": "-2", "reason": "受潮"},
    )
    assert Reward.objects.get(pk=tea.pk).stock == 4
    r = client.post(
        reverse("points:reward_detail", args=[tea.pk]), {"kind": "adjustment", "quantity": "-1", "reason": ""}
    )
    assert "调整须填写原因" in r.content.decode()
    year = str(timezone.localdate().year)
    client.post(reverse("points:ranking_close"), {"period": year})
    html = client.get(reverse("points:ranking"), {"period": year}).content.decode()
    assert "本排行已锁定" in html
    # A grid worker may work the counter but not manage.
    worker = as_user(bank.grid_worker)
    assert worker.get(reverse("points:rule_create")).status_code == 403
    assert worker.get(reverse("points:counter")).status_code == 200


def test_deciding_an_award_with_htmx_swaps_the_row(bank):
    req = services.award_submit(
        actor=bank.staff, resident=bank.alice, rule_code="mediation", quantity=3, idempotency_key="hx"
    )
    r = as_user(bank.staff2).post(
        reverse("points:approval_decide", args=[req.pk]), {"decision": "approve"}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert r.status_code == 200 and html.startswith("<li>") and "已批准，积分已发放。" in html
    assert acc(bank.alice).balance == 60


def test_a_party_member_from_elsewhere_registers_at_the_workplace_counter(bank):
    """双报到: Bob (party member of A) shows his card at community B's counter; Carol (not a party
    member, of B) is found in B; a non-member of A is not found in B."""
    card = registry_services.card_issue(actor=bank.staff, resident=bank.bob)
    services.rule_create(
        actor=bank.staff_b,
        org_unit=bank.tree.community_b,
        code="cleanup",
        name="清扫",
        category="environment",
        points=2,
    )
    client = as_user(bank.staff_b)
    r = client.post(reverse("points:counter"), {"code": card.token})
    assert f"/points/counter/{bank.bob.pk}/" in r["Location"]
    client.post(
        reverse("points:counter_award", args=[bank.bob.pk]),
        {"rule": "cleanup", "quantity": "1", "idempotency_key": "w1"},
    )
    from gongzhi.points import selectors

    assert selectors.account_for(bank.bob, bank.tree.community_b).balance == 2
    assert selectors.account_for(bank.bob, bank.community) is None
    alice_card = registry_services.card_issue(actor=bank.staff, resident=bank.alice)
    r = client.post(reverse("points:counter"), {"code": alice_card.token})
    assert r.status_code == 200


def test_the_counter_finds_residents_by_name_in_its_scope(bank):
    client = as_user(bank.staff)
    html = client.post(reverse("points:counter"), {"code": "晓鑫"}).content.decode()
    assert "张晓鑫" in html and f"/points/counter/{bank.alice.pk}/" in html
    html = client.post(reverse("points:counter"), {"code": "卓玛"}).content.decode()  # Carol lives in B
    assert f"/points/counter/{bank.carol.pk}/" not in html


@pytest.mark.parametrize("page", ["redemptions", "statement"])
def test_list_pages_cost_the_same_queries_at_two_sizes(bank, django_assert_max_num_queries, page):
    client = as_user(bank.staff)
    reward = bank.reward(price=5, stock=100)
    account = bank.fund(bank.alice, 200)

    def grow(n, start):
        for i in range(n):
            services.redemption_create(
                actor=bank.staff, account=account, items=[(reward, 1)], idempotency_key=f"q{start + i}"
            )

    url = (
        reverse("points:redemptions")
        if page == "redemptions"
        else reverse("points:account_detail", args=[account.pk])
    )
    grow(2, 0)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url).status_code == 200
    grow(12, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_counter_runs_a_card_action_another_app_registers(bank, monkeypatch):
    """The counter is the one scan page: another app's card action (activities' check-in, here a
    stand-in) is offered, runs for the card holder and keeps its choice for the next card — without
    the points app importing that app."""
    from gongzhi.core import extension_points

    done = []

    def choices(request, community, wanted=None):
        return [("7", "签到：测试场次")]

    def perform(request, community, value, resident, by_card):
        done.append((value, resident.pk, by_card))
        return extension_points.CardOutcome(True, f"{resident.name} 已签到", ["将获 2 积分"])

    action = extension_points.CardAction("test.stand_in", choices, perform)
    monkeypatch.setitem(extension_points.registry.card_actions, action.key, action)
    card = registry_services.card_issue(actor=bank.staff, resident=bank.alice)
    client = as_user(bank.staff)
    html = client.get(reverse("points:counter"), {"do": "test.stand_in:7"}).content.decode()
    assert "签到：测试场次" in html and 'value="test.stand_in:7"' in html

    r = client.post(reverse("points:counter"), {"do": "test.stand_in:7", "code": card.token})
    html = r.content.decode()
    assert r.status_code == 200 and f"{bank.alice.name} 已签到" in html and "将获 2 积分" in html
    assert done == [("7", bank.alice.pk, True)]
    assert f"/points/counter/{bank.alice.pk}/" in html  # the way on to award or exchange

    r = client.post(reverse("points:counter"), {"do": "test.stand_in:7", "code": "nonsense"})
    assert r.status_code == 409 and "scan-err" in r.content.decode()
    r = client.post(reverse("points:counter"), {"do": "test.stand_in:8", "code": card.token})
    assert r.status_code == 200 and "errorlist" in r.content.decode()  # a choice not offered
    assert len(done) == 1
