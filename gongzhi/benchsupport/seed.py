"""Bulk seeding of a benchmark database: a district of 300,000 residents (`district`) or 1% of it
(`community`).

Rows are written straight into the tables, with explicit primary keys, by PostgreSQL's COPY
(psycopg 3 `cursor.copy`) or, on SQLite, by `executemany` in large batches; the sequences are
reset at the end. Every database constraint holds (one head per household, balance = sum of the
ledger, no overlapping booking, ...). What the services would add and a benchmark does not need
is left out, and said here:

- no audit entries: a bench database is not a record of anyone's actions, so the hash chain
  starts empty and the load run's own writes start it;
- no registry change history, no enrolments (attendances only), no notifications;
- personal data: every 10th resident has an encrypted ID and phone number with their blind
  indexes (AES-GCM through core.crypto, as the services store them); the others leave these
  optional fields empty, which keeps the seeding time inside the target;
- the ledger holds awards only (balance = lifetime = the sum of the entries), so `points_verify`
  is clean before the load.

The root org unit's code (`BENCH-ROOT`) and name (`bench:<scale>:<version>`) are the marker that
`make bench` reads to reuse a database already seeded at the same scale.
"""

import datetime
import json
import random
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.activities.models import Activity, ActivitySession, Attendance
from gongzhi.cases.models import Case, CaseTransition, Category
from gongzhi.core import crypto
from gongzhi.core.fields import EncryptedTextField
from gongzhi.core.models import OrgUnit
from gongzhi.points.models import PointAccount, PointEntry, PointRule, Reward, StockMovement
from gongzhi.registry.documents import make_id_number
from gongzhi.registry.models import Household, Resident
from gongzhi.registry.pinyin import name_keys
from gongzhi.venues.models import Booking, Room

VERSION = "v1"
ROOT_CODE = "BENCH-ROOT"


@dataclass(frozen=True)
class Scale:
    name: str
    streets: int
    communities_per_street: int
    grids_per_community: int
    households: int
    residents_per_household: int
    entries_per_resident: int
    cases: int
    bookings: int
    activities: int
    attendances_per_activity: int

    @property
    def communities(self) -> int:
        return self.streets * self.communities_per_street

    @property
    def grids(self) -> int:
        return self.communities * self.grids_per_community

    @property
    def residents(self) -> int:
        return self.households * self.residents_per_household

    def expected(self) -> dict[str, int]:
        return {
            "streets": self.streets,
            "communities": self.communities,
            "grids": self.grids,
            "households": self.households,
            "residents": self.residents,
            "point_entries": self.residents * self.entries_per_resident,
            "cases": self.cases,
            "bookings": self.bookings,
            "activities": self.activities,
            "attendances": self.activities * self.attendances_per_activity,
        }


SCALES = {
    # 1 district, 10 streets, 60 communities, 600 grids, 100,000 households, 300,000 residents,
    # 3,000,000 point entries, 300,000 cases, 100,000 bookings, 20,000 activities, 1,000,000 attendances.
    "district": Scale("district", 10, 6, 10, 100_000, 3, 10, 300_000, 100_000, 20_000, 50),
    # 1%: one street, one community of 6 grids (the same 500 residents per grid as the district).
    "community": Scale("community", 1, 1, 6, 1_000, 3, 10, 3_000, 1_000, 200, 50),
}

GIVEN_A = [
    "扎西",
    "次仁",
    "卓玛",
    "格桑",
    "达瓦",
    "央金",
    "平措",
    "拉姆",
    "尼玛",
    "边巴",
    "普布",
    "索朗",
    "旦增",
    "德吉",
    "顿珠",
    "白玛",
]
GIVEN_B = [
    "次仁",
    "卓玛",
    "多吉",
    "拉姆",
    "曲珍",
    "旺堆",
    "玉珍",
    "罗布",
    "加措",
    "巴桑",
    "仁增",
    "央宗",
    "群培",
    "措姆",
    "贡布",
    "益西",
]
CASE_TEXTS = [
    "楼道灯不亮，晚上老人出行不便。",
    "小区门口垃圾没有及时清运。",
    "邻居装修噪音太大，影响休息。",
    "自来水管漏水，请尽快维修。",
    "希望增加老年人活动场地。",
]
RULES = [("bench", "志愿服务（基准）", "volunteer", 1), ("clean", "环境整治", "environment", 5)]
RULES += [("patrol", "平安巡逻", "patrol", 8), ("serve", "志愿服务", "volunteer", 10)]


class Writer:
    """Inserts rows of one model with explicit columns; the columns not given take the field's
    default (computed once per table). PostgreSQL: COPY; SQLite: executemany in batches."""

    BATCH = 5000

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")  # noqa: S608  # nosec B608 - model table name
            return (cursor.fetchone()[0] or 0) + 1

    def insert(self, model, names: list[str], rows, *, bulk: bool = False) -> int:
        """`bulk` (for the tables of millions of rows): on PostgreSQL the table's secondary indexes,
        unique and foreign-key constraints are dropped for the COPY and built again after it, in
        the same transaction: one sort per index and one join per foreign key instead of a
        maintenance step and a trigger per row. The rebuild checks every row as the constraints
        would have."""
        if bulk and self.pg:
            with self._rebuilt_afterwards(model):
                return self._insert(model, names, rows)
        return self._insert(model, names, rows)

    @contextmanager
    def _rebuilt_afterwards(self, model):
        table = model._meta.db_table
        with connection.cursor() as cursor:
            # Check the rows written so far in this transaction now: a table with pending deferred
            # checks cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'x')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
            indexes = cursor.fetchall()
            quoted = connection.ops.quote_name(table)
            for name, _definition in constraints:
                cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _insert(self, model, names: list[str], rows) -> int:
        fields = [model._meta.get_field(n) for n in names]
        given = {f.attname for f in fields}
        tail_fields, tail = [], []
        now = timezone.now()
        for f in model._meta.concrete_fields:
            if f.attname in given:
                continue
            if f.has_default():
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.null:
                value = None
            elif f.empty_strings_allowed and f.blank:
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
            tail_fields.append(f)
            tail.append(value)
        all_fields = fields + tail_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in all_fields)
        table = connection.ops.quote_name(model._meta.db_table)
        n = 0
        if self.pg:
            tail = tuple(self._pg_value(f, v) for f, v in zip(tail_fields, tail, strict=True))
            convert = [
                (i, f) for i, f in enumerate(fields) if isinstance(f, EncryptedTextField) or _is_json(f)
            ]
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    if convert:
                        row = list(row)
                        for i, f in convert:
                            row[i] = self._pg_value(f, row[i])
                    copy.write_row((*row, *tail))
                    n += 1
        else:
            marks = ", ".join(["%s"] * len(all_fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608 - model metadata
            tail = tuple(f.get_db_prep_save(v, connection) for f, v in zip(tail_fields, tail, strict=True))
            batch = []
            with connection.cursor() as cursor:
                for row in rows:
                    batch.append(
                        (
                            *(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)),
                            *tail,
                        )
                    )
                    if len(batch) >= self.BATCH:
                        cursor.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    n += len(batch)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + n
        return n

    @staticmethod
    def _pg_value(field, value):
        if value is None:
            return None
        if isinstance(field, EncryptedTextField):
            return crypto.encrypt(value) if value else value
        if _is_json(field):
            return json.dumps(value, ensure_ascii=False)
        return value


def _is_json(field) -> bool:
    return field.get_internal_type() == "JSONField"


def marker_of_database() -> str | None:
    """`bench:<scale>:<version>` when this database holds a seeded bench, else None."""
    row = OrgUnit.objects.filter(code=ROOT_CODE).values_list("name", flat=True).first()
    return row


class Seeder:
    def __init__(self, scale: Scale, *, seed: int = 42, log=print):
        self.s = scale
        self.rng = random.Random(seed)
        self.log = log
        self.w = Writer()
        self.now = timezone.now().replace(microsecond=0)
        self.timings: dict[str, float] = {}
        self._names: dict[str, tuple[str, str]] = {}

    def _step(self, label, fn):
        started = time.monotonic()
        with transaction.atomic():
            fn()
        took = time.monotonic() - started
        self.timings[label] = round(took, 1)
        self.log(f"  {label}: {took:.1f}s")

    def run(self) -> dict:
        if marker_of_database():
            raise RuntimeError("This database already holds a bench seed; use a fresh database.")
        if self.w.pg:
            with connection.cursor() as cursor:
                # A bench database: losing the last transactions in a crash costs nothing.
                cursor.execute("SET synchronous_commit = off")
        started = time.monotonic()
        self._step("org tree", self.org_tree)
        self._step("users and roles", self.users)
        self._step("households and residents", self.registry)
        self._step("point rules, rewards, accounts, ledger", self.points)
        self._step("cases and transitions", self.cases)
        self._step("rooms and bookings", self.venues)
        self._step("activities and attendances", self.activities)
        self._step("sequences and statistics", self.finish)
        total = time.monotonic() - started
        self.log(f"  total: {total:.1f}s")
        return {
            "scale": self.s.name,
            "seconds": round(total, 1),
            "steps": self.timings,
            "rows": self.w.counts,
        }

    # --- org tree ---------------------------------------------------------------------------------

    def org_tree(self):
        s, w = self.s, self.w
        first = w.next_id(OrgUnit)
        rows = []
        district_id = first
        rows.append(
            (district_id, "district", f"bench:{s.name}:{VERSION}", ROOT_CODE, None, f"/{district_id}/", 1)
        )
        self.streets, self.communities, self.grids = [], [], []
        self.community_of_grid: dict[int, int] = {}
        next_id = first + 1
        for si in range(s.streets):
            sid = next_id
            next_id += 1
            spath = f"/{district_id}/{sid}/"
            rows.append((sid, "street", f"基准街道{si + 1}", f"BENCH-S{si + 1:02d}", district_id, spath, 2))
            self.streets.append(sid)
            for ci in range(s.communities_per_street):
                cid = next_id
                next_id += 1
                cno = si * s.communities_per_street + ci + 1
                cpath = f"{spath}{cid}/"
                rows.append((cid, "community", f"基准社区{cno}", f"BENCH-C{cno:03d}", sid, cpath, 3))
                self.communities.append(cid)
                for gi in range(s.grids_per_community):
                    gid = next_id
                    next_id += 1
                    gno = (cno - 1) * s.grids_per_community + gi + 1
                    name = f"基准社区{cno}第{gi + 1}网格"
                    rows.append((gid, "grid", name, f"BENCH-G{gno:04d}", cid, f"{cpath}{gid}/", 4))
                    self.grids.append(gid)
                    self.community_of_grid[gid] = cid
        self.district = district_id
        w.insert(OrgUnit, ["id", "kind", "name", "code", "parent_id", "path", "depth"], rows)

    # --- users --------------------------------------------------------------------------------------

    def users(self):
        """One community staff member per community (books rooms), and in the first community a
        grid worker of its first grid and 100 resident accounts (the load run's case reporters).
        Unusable passwords: the harness signs them in with sessions and API tokens."""
        w = self.w
        uid = w.next_id(User)
        users, roles = [], []
        self.staff_of: dict[int, int] = {}
        now = self.now
        for n, cid in enumerate(self.communities, start=1):
            users.append((uid, f"bench_staff_c{n}", f"基准社工{n}", "!", now))
            roles.append((uid, Role.COMMUNITY_STAFF.value, cid))
            self.staff_of[cid] = uid
            uid += 1
        users.append((uid, "bench_grid_worker", "基准网格员", "!", now))
        roles.append((uid, Role.GRID_WORKER.value, self.grids[0]))
        self.grid_worker = uid
        uid += 1
        users.append((uid, "bench_street", "基准街道干部", "!", now))
        roles.append((uid, Role.STREET_STAFF.value, self.streets[0]))
        uid += 1
        self.resident_users = []
        for n in range(100):
            users.append((uid, f"bench_resident_{n}", f"基准居民{n}", "!", now))
            roles.append((uid, Role.RESIDENT.value, self.grids[n % self.s.grids_per_community]))
            self.resident_users.append(uid)
            uid += 1
        w.insert(User, ["id", "username", "display_name", "password", "password_changed_at"], users)
        rid = w.next_id(RoleAssignment)
        w.insert(
            RoleAssignment,
            ["id", "user_id", "role", "org_unit_id"],
            ((rid + i, *r) for i, r in enumerate(roles)),
        )

    # --- registry -----------------------------------------------------------------------------------

    def _name(self, i: int) -> tuple[str, str, str]:
        name = GIVEN_A[i % 16] + GIVEN_B[(i // 16) % 16]
        keys = self._names.get(name)
        if keys is None:
            keys = self._names[name] = name_keys(name)
        return name, *keys

    def registry(self):
        s, w = self.s, self.w
        hid0 = w.next_id(Household)
        per_grid = s.households // s.grids
        self.households_of_grid = {}

        def households():
            for h in range(s.households):
                grid = self.grids[min(h // per_grid, s.grids - 1)]
                yield (hid0 + h, grid, f"{grid}号网格{h % per_grid // 20 + 1}栋{h % 20 + 1}室", self.now)

        w.insert(Household, ["id", "org_unit_id", "address", "created_at"], households())
        self.hid0 = hid0
        self.rid0 = rid0 = w.next_id(Resident)
        seen_numbers: set[str] = set()
        relationships = ("head", "spouse", "child")
        self.residents_of_grid: dict[int, list[int]] = {g: [] for g in self.grids}
        self.grid_of_resident: dict[int, int] = {}

        def residents():
            for r in range(s.residents):
                h = r // s.residents_per_household
                grid = self.grids[min(h // per_grid, s.grids - 1)]
                rel = relationships[r % s.residents_per_household]
                gender = "male" if r % 2 else "female"
                birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=(r * 7919) % 27000)
                name, pinyin, initials = self._name(r)
                document = phone = ""
                doc_index = None
                doc_last4 = phone_index = phone_last4 = ""
                if r % 10 == 0:
                    number = make_id_number(f"54{(r // 1000) % 10000:04d}", birth, r % 1000, gender)
                    if number not in seen_numbers:
                        seen_numbers.add(number)
                        document = number
                        doc_index = crypto.blind_index(number, purpose="document")
                        doc_last4 = number[-4:]
                    phone = f"139{r:08d}"
                    phone_index = crypto.blind_index(phone, purpose="phone")
                    phone_last4 = phone[-4:]
                rid = rid0 + r
                self.residents_of_grid[grid].append(rid)
                yield (
                    rid, grid, hid0 + h, rel, name, pinyin, initials, gender, birth, "藏族",
                    document, doc_index, doc_last4, phone, phone_index, phone_last4, self.now,
                )  # fmt: skip

        w.insert(
            Resident,
            [
                "id",
                "org_unit_id",
                "household_id",
                "relationship_to_head",
                "name",
                "name_pinyin",
                "name_initials",
                "gender",
                "birth_date",
                "ethnicity",
                "document_number",
                "document_index",
                "document_last4",
                "phone",
                "phone_index",
                "phone_last4",
                "created_at",
            ],  # fmt: skip
            residents(),
            bulk=True,
        )
        # The first 100 residents of the first community carry the bench resident accounts.
        first = [r for g in self.grids[: s.grids_per_community] for r in self.residents_of_grid[g][:17]]
        for uid, rid in zip(self.resident_users, first, strict=False):
            Resident.objects.filter(pk=rid).update(user_id=uid)

    # --- points -------------------------------------------------------------------------------------

    def points(self):
        s, w, rng = self.s, self.w, self.rng
        rule_id = w.next_id(PointRule)
        rules, self.rules_of = [], {}
        for cid in self.communities:
            self.rules_of[cid] = []
            for code, name, category, points in RULES:
                rules.append((rule_id, cid, code, name, category, points))
                self.rules_of[cid].append((rule_id, points))
                rule_id += 1
        w.insert(PointRule, ["id", "org_unit_id", "code", "name", "category", "points"], rules)
        reward_id, move_id = w.next_id(Reward), w.next_id(StockMovement)
        rewards, moves = [], []
        for cid in self.communities:
            for name, price, stock in (("肥皂", 1, 1_000_000), ("大米（限量）", 2, 20), ("酥油", 30, 500)):
                rewards.append((reward_id, cid, name, price, stock))
                moves.append((move_id, reward_id, cid, "restock", stock, "基准库存"))
                reward_id += 1
                move_id += 1
        w.insert(Reward, ["id", "org_unit_id", "name", "points_price", "stock"], rewards)
        w.insert(StockMovement, ["id", "reward_id", "org_unit_id", "kind", "quantity", "reason"], moves)

        account_id0 = w.next_id(PointAccount)
        entry_id0 = w.next_id(PointEntry)
        per = s.entries_per_resident
        day = 86400

        def points_of(r: int, k: int, rules) -> tuple[int, int]:
            return rules[1 + (r + k) % 3]

        # The accounts first, with the balance their entries will sum to (awards only).
        def accounts():
            for r in range(s.residents):
                cid = self.community_of_grid[self._grid_of(r)]
                total = sum(points_of(r, k, self.rules_of[cid])[1] for k in range(per))
                yield (account_id0 + r, self.rid0 + r, cid, total, total, self.now)

        w.insert(
            PointAccount,
            ["id", "resident_id", "org_unit_id", "balance", "lifetime_earned", "opened_at"],
            accounts(),
        )

        def entries():
            eid = entry_id0
            for r in range(s.residents):
                cid = self.community_of_grid[self._grid_of(r)]
                rules = self.rules_of[cid]
                for k in range(per):
                    rule, points = points_of(r, k, rules)
                    at = self.now - datetime.timedelta(seconds=rng.randrange(365 * day))
                    yield (eid, account_id0 + r, cid, "award", points, rule, f"seed-{k}", "seed", at)
                    eid += 1

        w.insert(
            PointEntry,
            [
                "id",
                "account_id",
                "org_unit_id",
                "kind",
                "points",
                "rule_id",
                "idempotency_key",
                "source",
                "created_at",
            ],
            entries(),
            bulk=True,
        )

    def _grid_of(self, r: int) -> int:
        s = self.s
        per_grid = s.households // s.grids
        return self.grids[min((r // s.residents_per_household) // per_grid, s.grids - 1)]

    # --- cases --------------------------------------------------------------------------------------

    def cases(self):
        s, w, rng = self.s, self.w, self.rng
        cat_id = w.next_id(Category)
        cats = []
        for n, (code, name) in enumerate(
            (("lighting", "照明"), ("sanitation", "环境卫生"), ("noise", "噪音"))
        ):
            cats.append((cat_id + n, self.district, f"bench-{code}", name, 100 + n))
        w.insert(Category, ["id", "org_unit_id", "code", "name", "sort_order"], cats)
        case_id0, tr_id0 = w.next_id(Case), w.next_id(CaseTransition)
        per_grid = s.cases // s.grids
        hour = datetime.timedelta(hours=1)
        transitions = []
        alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
        salt = uuid.uuid4().int

        def code(n):
            # Unique per case: the case number in base 31, salted so that two seeds never meet.
            x, out = n * 1_000_003 + salt % 1_000_003, []
            for _ in range(10):
                x, d = divmod(x, 31)
                out.append(alphabet[d])
            return "".join(out)

        # (status, path of actions) by case number modulo 20: most are closed, as in a live district.
        plans = (
            [("closed", "rated")] * 6 + [("closed", "not_rated")] * 5 + [("in_progress", "")] * 2
            + [("assigned", "")] * 2 + [("accepted", "")] + [("submitted", "")] * 2 + [("rejected", "")]
            + [("resolved", "")]
        )  # fmt: skip
        steps = {
            "submitted": [("submit", "", "submitted")],
            "accepted": [("accept", "submitted", "accepted")],
            "assigned": [("assign", "accepted", "assigned")],
            "in_progress": [("start", "assigned", "in_progress")],
            "resolved": [("resolve", "in_progress", "resolved")],
            "closed": [("confirm", "resolved", "closed")],
        }
        order = ["submitted", "accepted", "assigned", "in_progress", "resolved", "closed"]
        tid = tr_id0

        def cases():
            nonlocal tid
            for n in range(s.cases):
                grid = self.grids[min(n // per_grid, s.grids - 1)]
                cid = self.community_of_grid[grid]
                status, closing = plans[n % 20]
                created = self.now - datetime.timedelta(minutes=rng.randrange(365 * 24 * 60))
                accepted = resolved = closed = None
                reject_reason, rating, rated = "", None, None
                assignee = self.grid_worker if grid == self.grids[0] else None
                history = []
                if status == "rejected":
                    history = [
                        ("submit", "", "submitted", created),
                        ("reject", "submitted", "rejected", created + hour),
                    ]
                    reject_reason = "out_of_scope"
                    assignee = None
                else:
                    for k, st in enumerate(order[: order.index(status) + 1]):
                        action, frm, to = steps[st][0]
                        history.append((action, frm, to, created + k * 6 * hour))
                    if status != "submitted":
                        accepted = created + 6 * hour
                    if status in ("resolved", "closed"):
                        resolved = created + 24 * hour
                    if status == "closed":
                        closed = created + 30 * hour
                        if closing == "rated":
                            rating, rated = 3 + n % 3, closed
                    if status in ("submitted", "accepted"):
                        assignee = None
                case_id = case_id0 + n
                for action, frm, to, at in history:
                    transitions.append((tid, case_id, cid, action, frm, to, at))
                    tid += 1
                yield (
                    case_id, grid, cid, cats[n % 3][0], "resident_form", status, CASE_TEXTS[n % 5], code(n),
                    created, created + 48 * hour, created + 7 * 24 * hour, accepted, resolved, closed,
                    closing if status == "closed" else "", rating, rated, reject_reason, assignee,
                    created + 30 * hour,
                )  # fmt: skip

        w.insert(
            Case,
            [
                "id",
                "org_unit_id",
                "community_id",
                "category_id",
                "channel",
                "status",
                "description",
                "tracking_code",
                "created_at",
                "response_due",
                "resolution_due",
                "accepted_at",
                "resolved_at",
                "closed_at",
                "close_reason",
                "rating",
                "rated_at",
                "reject_reason",
                "assignee_id",
                "updated_at",
            ],  # fmt: skip
            cases(),
            bulk=True,
        )
        w.insert(
            CaseTransition,
            ["id", "case_id", "org_unit_id", "action", "from_status", "to_status", "at"],
            transitions,
            bulk=True,
        )

    # --- venues -------------------------------------------------------------------------------------

    def venues(self):
        s, w = self.s, self.w
        room_id = w.next_id(Room)
        rooms = []
        for cid in self.communities:
            for n, name in enumerate(("会议室", "活动室", "书屋")):
                rooms.append((room_id, cid, name, 20 + 10 * n))
                room_id += 1
        w.insert(Room, ["id", "org_unit_id", "name", "capacity"], rooms)
        self.rooms = rooms
        booking_id0 = w.next_id(Booking)
        per_room = max(1, s.bookings // len(rooms))
        slots = [(9, 11), (11, 13), (15, 17), (17, 19)]
        start_day = timezone.localtime(self.now).replace(hour=0, minute=0, second=0) - datetime.timedelta(
            days=200
        )

        def bookings():
            for n in range(s.bookings):
                room, _cid, _name, _cap = rooms[min(n // per_room, len(rooms) - 1)]
                k = n % per_room if n // per_room < len(rooms) else n - per_room * (len(rooms) - 1)
                day = start_day + datetime.timedelta(days=k // 4)
                a, b = slots[k % 4]
                status = "cancelled" if n % 25 == 0 else "confirmed"
                cid = rooms[min(n // per_room, len(rooms) - 1)][1]
                yield (
                    booking_id0 + n, cid, room, self.staff_of[cid], "staff", day.replace(hour=a),
                    day.replace(hour=b), "居民议事会", 10, status,
                )  # fmt: skip

        w.insert(
            Booking,
            [
                "id",
                "org_unit_id",
                "room_id",
                "booked_by_id",
                "booker_kind",
                "start",
                "end",
                "purpose",
                "headcount",
                "status",
            ],
            bookings(),
        )

    # --- activities ---------------------------------------------------------------------------------

    def activities(self):
        s, w = self.s, self.w
        act_id0, ses_id0, att_id0 = w.next_id(Activity), w.next_id(ActivitySession), w.next_id(Attendance)
        per_community = max(1, s.activities // s.communities)
        categories = ["elderly_class", "lecture", "volunteer_service", "national_unity", "children"]
        grids_of: dict[int, list[int]] = {}
        for g in self.grids:
            grids_of.setdefault(self.community_of_grid[g], []).append(g)
        residents_of = {c: [r for g in gs for r in self.residents_of_grid[g]] for c, gs in grids_of.items()}
        sessions, attendances = [], []
        per = s.attendances_per_activity
        att_id = att_id0

        def activities():
            nonlocal att_id
            for n in range(s.activities):
                cid = self.communities[min(n // per_community, s.communities - 1)]
                start = self.now - datetime.timedelta(days=(n * 37) % 360, hours=n % 7)
                start = start.replace(minute=0, second=0)
                end = start + datetime.timedelta(hours=2)
                sessions.append((ses_id0 + n, act_id0 + n, cid, start, end, end))
                pool = residents_of[cid]
                offset = (n * per) % len(pool)
                for k in range(min(per, len(pool))):
                    rid = pool[(offset + k) % len(pool)]
                    attendances.append((att_id, ses_id0 + n, cid, rid, start, end, "card", 120, True))
                    att_id += 1
                yield (
                    act_id0 + n, cid, f"基准活动{n + 1}", categories[n % 5], 60, start - datetime.timedelta(days=14),
                    start - datetime.timedelta(hours=2), uuid.uuid4().hex, "社区活动室", start - datetime.timedelta(days=15),
                )  # fmt: skip

        w.insert(
            Activity,
            [
                "id",
                "org_unit_id",
                "title",
                "category",
                "capacity",
                "enrol_opens",
                "enrol_closes",
                "checkin_token",
                "place",
                "created_at",
            ],
            activities(),
        )
        w.insert(
            ActivitySession, ["id", "activity_id", "org_unit_id", "start", "end", "confirmed_at"], sessions
        )
        w.insert(
            Attendance,
            [
                "id",
                "session_id",
                "org_unit_id",
                "resident_id",
                "check_in_at",
                "check_out_at",
                "method",
                "present_minutes",
                "counted",
            ],
            attendances,
            bulk=True,
        )

    # --- finish -------------------------------------------------------------------------------------

    def finish(self):
        models = [
            OrgUnit, User, RoleAssignment, Household, Resident, PointRule, Reward, StockMovement,
            PointAccount, PointEntry, Category, Case, CaseTransition, Room, Booking, Activity,
            ActivitySession, Attendance,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        if self.w.pg:
            # Fresh statistics, so that the planner sees a district and not empty tables.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


def counts() -> dict[str, int]:
    """What a seeded database holds, by the names of Scale.expected()."""
    kinds = OrgUnit.objects.filter(path__startswith=OrgUnit.objects.get(code=ROOT_CODE).path)
    return {
        "streets": kinds.filter(kind="street").count(),
        "communities": kinds.filter(kind="community").count(),
        "grids": kinds.filter(kind="grid").count(),
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "point_entries": PointEntry.objects.count(),
        "cases": Case.objects.count(),
        "bookings": Booking.objects.count(),
        "activities": Activity.objects.count(),
        "attendances": Attendance.objects.count(),
    }
