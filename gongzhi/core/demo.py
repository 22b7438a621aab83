"""The demo community, modelled on Najin (纳金社区, Chengguan District, Lhasa). Deterministic: every
random choice comes from the seeded generator handed in by `core_demo`."""

from django.conf import settings

from gongzhi.accounts import services as account_services
from gongzhi.accounts.roles import Role

from . import services
from .models import OrgUnit, PartnerUnit

PARTNERS = [
    (PartnerUnit.Kind.SCHOOL, "纳金乡中心小学", "纳金路18号", "次仁老师"),
    (PartnerUnit.Kind.SCHOOL, "拉萨市第八中学", "纳金路66号", "王老师"),
    (PartnerUnit.Kind.CLINIC, "纳金社区卫生服务站", "纳金路9号", "卓玛医生"),
    (PartnerUnit.Kind.CLINIC, "城关区纳金乡卫生院", "纳金路120号", "李医生"),
    (PartnerUnit.Kind.ARMY_POLICE, "武警拉萨支队某中队", "纳金东路", "张指导员"),
    (PartnerUnit.Kind.ARMY_POLICE, "纳金派出所", "纳金路30号", "扎西警官"),
    (PartnerUnit.Kind.ENTERPRISE, "拉萨纳金商贸有限公司", "纳金商业街1号", "赵经理"),
    (PartnerUnit.Kind.ENTERPRISE, "拉萨雪域净土农业有限公司", "纳金工业园", "格桑经理"),
    (PartnerUnit.Kind.PROVIDER, "拉萨阳光社会工作服务中心", "纳金路45号", "央金社工"),
    (PartnerUnit.Kind.PROVIDER, "格桑花居家养老服务中心", "纳金路52号", "德吉主任"),
    (PartnerUnit.Kind.GOVERNMENT, "城关区图书馆纳金分馆", "纳金路60号", "刘馆长"),
    (PartnerUnit.Kind.PROVIDER, "雪域烘焙职业培训学校", "纳金商业街8号", "陈校长"),
]

GRIDS = [
    ("第一网格", "དྲ་མིག་དང་པོ།", "540102003001-01", "纳金路北段"),
    ("第二网格", "དྲ་མིག་གཉིས་པ།", "540102003001-02", "纳金路南段"),
    ("第三网格", "དྲ་མིག་གསུམ་པ།", "540102003001-03", "纳金东路"),
]

STAFF = [
    # username, display name, role, unit key
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "district"),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN, "district"),
    ("auditadmin", "审计管理员", Role.AUDIT_ADMIN, "district"),
    ("auditor", "审计员 普布", Role.AUDITOR, "district"),
    ("county", "城关区民政局 李娜", Role.COUNTY_STAFF, "district"),
    ("street", "纳金街道 王强", Role.STREET_STAFF, "street"),
    ("secretary", "党总支书记 次仁", Role.SECRETARY, "community"),
    ("staff", "社区工作人员 卓玛", Role.COMMUNITY_STAFF, "community"),
    ("finance", "社区财务 德吉", Role.FINANCE_STAFF, "community"),
    ("grid1", "网格员 扎西", Role.GRID_WORKER, "grid0"),
    ("grid2", "网格员 央金", Role.GRID_WORKER, "grid1"),
    ("grid3", "网格员 陈明", Role.GRID_WORKER, "grid2"),
    ("partner", "卫生服务站 卓玛医生", Role.PARTNER_STAFF, "community"),
    ("staff2", "嘎玛贡桑社区 工作人员 拉姆", Role.COMMUNITY_STAFF, "other_community"),
]


def community_exists() -> bool:
    return OrgUnit.objects.filter(code="540102003001").exists()


def build(context, rng, stdout):
    create = services.orgunit_create
    district = create(
        kind="district",
        name="城关区",
        name_bo="ཁྲིན་ཀོན་ཆུས།",
        code="540102",
        parent=None,
        actor=None,
        address="拉萨市城关区",
        phone="0891-6320000",
    )
    street = create(
        kind="street",
        name="纳金街道",
        name_bo="ན་ཅིན་ཁྲོམ་གཞུང་།",
        code="540102003",
        parent=district,
        actor=None,
        address="城关区纳金路",
        phone="0891-6330000",
    )
    community = create(
        kind="community",
        name="纳金社区",
        name_bo="ན་ཅིན་སྡོད་ཁུལ།",
        code="540102003001",
        parent=street,
        actor=None,
        address="城关区纳金路88号 党群服务中心",
        phone="0891-6331234",
    )
    grids = [
        create(kind="grid", name=name, name_bo=bo, code=code, parent=community, actor=None, address=area)
        for name, bo, code, area in GRIDS
    ]
    # A neighbouring community, so that scoping can be seen: its staff must not reach Najin's records.
    other = create(
        kind="community",
        name="嘎玛贡桑社区",
        name_bo="ཀརྨ་ཀུན་བཟང་སྡོད་ཁུལ།",
        code="540102003002",
        parent=street,
        actor=None,
        address="城关区嘎玛贡桑路6号",
    )
    other_grid = create(
        kind="grid",
        name="嘎玛贡桑第一网格",
        name_bo="ཀརྨ་ཀུན་བཟང་དྲ་མིག་དང་པོ།",
        code="540102003002-01",
        parent=other,
        actor=None,
        address="嘎玛贡桑路",
    )
    units = {
        "district": district,
        "street": street,
        "community": community,
        "other_community": other,
        "other_grid": other_grid,
        **{f"grid{i}": g for i, g in enumerate(grids)},
    }

    partners = [
        services.partnerunit_save(
            actor=None,
            org_unit=community,
            kind=kind,
            name=name,
            address=address,
            contact_name=contact,
            contact_phone=f"0891-63{rng.randint(10000, 99999)}",
        )
        for kind, name, address, contact in PARTNERS
    ]

    password = settings.GONGZHI_DEMO_PASSWORD
    users = {}
    for username, display, role, unit_key in STAFF:
        user = account_services.user_create(
            actor=None,
            username=username,
            password=password,
            display_name=display,
            partner_unit=partners[2] if role == Role.PARTNER_STAFF else None,
        )
        account_services.role_assign(actor=None, user=user, role=role, org_unit=units[unit_key])
        users[username] = user

    stations = [
        services.gridstation_save(
            actor=None,
            org_unit=grid,
            name=f"纳金{grid.name}服务站（一呼百应）",
            address=f"{grid.address}{10 + i * 20}号",
            phone=f"0891-633{1300 + i}",
            duty_staff=[users[f"grid{i + 1}"]],
        )
        for i, grid in enumerate(grids)
    ]
    context.update(
        units=units,
        grids=grids,
        partners=partners,
        users=users,
        stations=stations,
        password=password,
        resident_logins=[],
    )
    stdout.write(
        f"  org tree: 1 district, 1 street, 2 communities (Najin: {len(grids)} grids, {len(stations)} stations), "
        f"{len(partners)} partner units, {len(users)} staff accounts"
    )
