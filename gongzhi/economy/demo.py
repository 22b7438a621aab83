"""Demo data: Najin's commercial street (纳金商业街) — 47.83 million yuan invested, over 4.5 million
yuan of rent a year expected — with 40 shop units, their tenants (many employing local residents),
leases and a year of invoices and payments with a few arrears. Deterministic (seeded generator,
fixed dates) and built through the services."""

import datetime
from decimal import Decimal

from gongzhi.registry.documents import make_id_number

from . import services
from .codes import make_uscc
from .models import Invoice, ShopUnit

TODAY = datetime.date(2026, 11, 29)
D = Decimal

ENTERPRISES = [
    ("拉萨纳金甜茶馆有限公司", "甜茶馆"),
    ("西藏雪域藏餐饮有限公司", "藏餐"),
    ("拉萨格桑花超市有限公司", "超市"),
    ("拉萨吉祥唐卡艺术有限公司", "唐卡工艺"),
    ("拉萨净土牦牛肉食品有限公司", "特产"),
    ("拉萨扎西德勒药房有限公司", "药房"),
    ("拉萨阳光书店有限公司", "书店"),
    ("拉萨圣地藏香有限公司", "藏香"),
    ("拉萨纳金电器维修有限公司", "家电维修"),
    ("拉萨雪域烘焙有限公司", "烘焙"),
    ("拉萨高原之宝手工艺品有限公司", "手工艺品"),
    ("拉萨布达拉服饰有限公司", "民族服饰"),
    ("拉萨拉鲁通讯器材有限公司", "手机通讯"),
    ("拉萨卓玛美容美发有限公司", "美发"),
    ("拉萨吉曲川菜馆有限公司", "川菜"),
    ("拉萨纳金洗衣服务有限公司", "洗衣"),
    ("拉萨青稞酒坊有限公司", "青稞酒"),
    ("拉萨宗角眼镜有限公司", "眼镜"),
    ("拉萨日光健身有限公司", "健身"),
    ("拉萨纳金文具有限公司", "文具"),
    ("拉萨德吉茶叶有限公司", "茶叶"),
    ("拉萨格萨尔培训学校有限公司", "培训"),
    ("拉萨曲水农产品有限公司", "农产品"),
    ("拉萨八廓银器有限公司", "银器"),
    ("拉萨嘉措快递服务有限公司", "快递驿站"),
    ("拉萨纳金牙科诊所有限公司", "牙科"),
]
INDIVIDUALS = [
    ("扎西", "男", "藏式家具"),
    ("卓玛", "女", "酸奶甜点"),
    ("次仁", "男", "修鞋配钥匙"),
    ("央金", "女", "裁缝"),
    ("旦增", "男", "自行车维修"),
    ("拉姆", "女", "鲜花"),
    ("王建国", "男", "五金"),
    ("李秀兰", "女", "早餐"),
    ("平措", "男", "藏面馆"),
]
USES = ["餐饮", "零售", "服务", "工艺品", "办公"]


def _phone(rng):
    return f"1{rng.choice(['38', '39', '58', '89', '73'])}{rng.randint(10000000, 99999999)}"


def build(context, rng, stdout):
    community = context["units"]["community"]
    staff = context["users"].get("finance")
    project = services.project_create(
        actor=staff,
        org_unit=community,
        name="纳金商业街",
        investment=D("47830000.00"),
        funding_sources="社区集体经济组织自筹资金；上级财政扶持资金；银行贷款",
        completion_date=datetime.date(2025, 6, 30),
        annual_rent_target=D("4500000.00"),
    )
    units = []
    for i in range(40):
        floor = 1 if i < 28 else 2
        number = f"{'A' if i < 20 else 'B'}{floor}{(i % 20) + 1:02d}"
        area = D(rng.randint(70, 150)) + D(rng.choice(["0.00", "0.50", "0.25", "0.80"]))
        units.append(
            services.shopunit_create(
                actor=staff, project=project, number=number, area=area, floor=floor, use=rng.choice(USES)
            )
        )
    # Two units under repair, three waiting for a tenant.
    for u in units[-2:]:
        services.shopunit_update(actor=staff, unit=u, status=ShopUnit.Status.UNDER_REPAIR)
    to_let = units[:35]

    tenants = []
    for n, (name, business) in enumerate(ENTERPRISES):
        tenants.append(
            services.tenant_create(
                actor=staff,
                org_unit=community,
                kind="enterprise",
                name=name,
                credit_code=make_uscc(
                    f"91540102MA6T{n + 100:03d}{rng.choice('0123456789ABCDEFGH')}{rng.randint(0, 9)}"
                ),
                contact_name=rng.choice(["扎西", "卓玛", "次仁", "格桑", "央金", "边巴", "王丽", "张伟"]),
                contact_phone=_phone(rng),
                business=business,
                local_employees=rng.choice([0, 1, 2, 2, 3, 4, 5, 6, 8]),
            )
        )
    for n, (name, gender, business) in enumerate(INDIVIDUALS):
        birth = datetime.date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28))
        tenants.append(
            services.tenant_create(
                actor=staff,
                org_unit=community,
                kind="individual",
                name=name,
                id_number=make_id_number(
                    "540102", birth, 300 + n * 7, "male" if gender == "男" else "female"
                ),
                contact_name=name,
                contact_phone=_phone(rng),
                business=business,
                local_employees=rng.choice([0, 0, 1, 1, 2]),
            )
        )

    leases = []
    for i, (unit, tenant) in enumerate(zip(to_let, tenants, strict=False)):
        start = datetime.date(2025, 7, 1) + datetime.timedelta(
            days=rng.choice([0, 0, 31, 62, 92, 123, 153, 184, 215])
        )
        start = start.replace(day=1)
        years = rng.choice([3, 3, 5])
        end = datetime.date(start.year + years, start.month, 1) - datetime.timedelta(days=1)
        if i == 7:  # a one-year lease that ends soon: the reminders and a renewal decision
            start, end = datetime.date(2026, 2, 1), datetime.date(2027, 1, 31)
        rate = D(rng.randint(85, 115))
        cycle = rng.choice(["monthly"] * 6 + ["quarterly"] * 3 + ["yearly"])
        monthly = (rate * unit.area).quantize(D("0.01"))
        lease = services.lease_create(
            actor=staff,
            unit=unit,
            tenant=tenant,
            start_date=start,
            end_date=end,
            rent_basis="per_m2",
            rent_rate=rate,
            payment_cycle=cycle,
            rent_free_months=rng.choice([0, 1, 2, 3]),
            yearly_increase_pct=D(rng.choice(["0", "3", "5"])),
            deposit=(monthly * 2).quantize(D("1")),
        )
        services.deposit_receive(actor=staff, lease=lease, received_on=start)
        leases.append(lease)

    services.invoices_generate(actor=staff, as_of=TODAY, org_unit=community)

    # Payments: most tenants pay in full a few days before the due date; four fall behind.
    late_payers = {3, 11, 19, 28}
    for i, lease in enumerate(leases):
        invoices = list(lease.invoices.order_by("period_start"))
        for k, inv in enumerate(invoices):
            remaining = len(invoices) - k
            if i in late_payers and remaining <= (2 + i % 4):
                if remaining == 2 + i % 4 and inv.due_date < TODAY:
                    services.payment_record(
                        actor=staff,
                        invoice=inv,
                        amount=(inv.amount / 2).quantize(D("0.01")),
                        paid_on=min(inv.due_date + datetime.timedelta(days=20), TODAY),
                        method="cash",
                    )
                continue
            paid_on = inv.due_date - datetime.timedelta(days=rng.randint(0, 10))
            if paid_on > TODAY:
                continue
            services.payment_record(
                actor=staff,
                invoice=inv,
                amount=inv.amount,
                paid_on=max(paid_on, inv.period_start),
                method=rng.choice(["bank", "bank", "wechat", "alipay"]),
                reference=f"{rng.randint(10**9, 10**10 - 1)}",
            )

    # One tenant left early in October; the settlement used the deposit.
    services.lease_terminate(
        actor=staff,
        lease=leases[30],
        termination_date=datetime.date(2026, 10, 31),
        reason="经营调整，提前退租",
    )
    # Allocations of the rent collected this year.
    report_collected = sum(
        (
            p
            for p in Invoice.objects.filter(lease__unit__project=project).values_list(
                "paid_amount", flat=True
            )
        ),
        D("0"),
    )
    from .selectors import collected_in_year

    collected = collected_in_year(project=project, year=2026)
    for category, share, note in [
        ("distribution", D("0.40"), "2026年上半年集体收益分配"),
        ("maintenance", D("0.10"), "商业街公共设施维修"),
        ("services", D("0.15"), "社区养老、助学等公益服务"),
    ]:
        services.allocation_create(
            actor=staff,
            project=project,
            year=2026,
            category=category,
            amount=(collected * share).quantize(D("0.01")),
            decided_on=datetime.date(2026, 7, 15),
            note=note,
        )
    reminders = services.reminders_send(as_of=TODAY)
    stdout.write(
        f"  economy: 1 project, {len(units)} units, {len(tenants)} tenants, {len(leases)} leases, "
        f"{Invoice.objects.filter(lease__unit__project=project).count()} invoices, "
        f"collected {report_collected} yuan in all, {reminders} expiry reminders"
    )
