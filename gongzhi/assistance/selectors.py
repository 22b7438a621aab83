"""Reads of the assistance app, always scoped to the units whose files the user may see."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from gongzhi.accounts.scoping import scope_q
from gongzhi.core.models import OrgUnit
from gongzhi.registry.models import CareTag, Household, Resident

from . import calc
from .models import (
    Application,
    ApplicationStep,
    Batch,
    Enrolment,
    PaymentLine,
    Programme,
    ReviewTask,
    Standard,
)
from .rules import FILE_ROLES


def programme_list() -> QuerySet:
    return Programme.objects.filter(is_active=True).order_by("report_group", "code")


def standard_list(*, programme: Programme | None = None) -> QuerySet:
    qs = Standard.objects.select_related("programme", "org_unit")
    return qs.filter(programme=programme) if programme else qs


def application_list(*, user, state: str = "", programme: str = "") -> QuerySet:
    qs = Application.objects.filter(scope_q(user, FILE_ROLES)).select_related(
        "programme", "household", "beneficiary", "org_unit"
    )
    if state:
        qs = qs.filter(state=state)
    if programme:
        qs = qs.filter(programme__code=programme)
    return qs


def application_get(*, user, pk: int) -> Application:
    return (
        application_list(user=user)
        .prefetch_related(
            Prefetch("steps", queryset=ApplicationStep.objects.select_related("actor")), "objections"
        )
        .get(pk=pk)
    )


def enrolment_list(*, user, status: str = "", programme: str = "") -> QuerySet:
    qs = Enrolment.objects.filter(scope_q(user, FILE_ROLES)).select_related(
        "programme", "household", "beneficiary", "org_unit"
    )
    if status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme__code=programme)
    return qs


def enrolment_get(*, user, pk: int) -> Enrolment:
    return enrolment_list(user=user).get(pk=pk)


def enrolment_lines(enrolment: Enrolment) -> QuerySet:
    return enrolment.lines.select_related("batch").order_by("-month", "-id")


def batch_list(*, user, programme: str = "", state: str = "") -> QuerySet:
    qs = Batch.objects.filter(scope_q(user, FILE_ROLES)).select_related("programme", "org_unit")
    if programme:
        qs = qs.filter(programme__code=programme)
    if state:
        qs = qs.filter(state=state)
    return qs


def batch_get(*, user, pk: int) -> Batch:
    return batch_list(user=user).prefetch_related("events__actor").get(pk=pk)


def batch_lines(batch: Batch) -> QuerySet:
    return batch.lines.select_related("household", "enrolment__beneficiary").order_by("id")


def review_list(*, user, today: datetime.date, overdue: bool = False) -> QuerySet:
    qs = ReviewTask.objects.filter(scope_q(user, FILE_ROLES), done_at__isnull=True).select_related(
        "enrolment__programme", "enrolment__household", "enrolment__beneficiary"
    )
    return qs.filter(due_date__lt=today) if overdue else qs


def overdue_enrolments(*, user, today: datetime.date) -> QuerySet:
    """Enrolments whose review date has passed without a completed review."""
    return enrolment_list(user=user).filter(next_review_due__lt=today).exclude(status=Enrolment.Status.EXITED)


# Registry care tags (gongzhi.registry.choices) that suggest a household may need assistance.
CARE_TAGS = ("disabled", "living_alone", "distressed_child", "chronic_disease")


def possibly_missed(*, user, today: datetime.date, limit: int = 500) -> list[dict]:
    """Residents whose registry facts suggest eligibility but who have no application or enrolment
    (不漏一户、不落一人): age against each programme's min_age (elderly pension), elderly-only
    households with no assistance at all, and residents carrying one of CARE_TAGS in the registry."""
    residents = Resident.objects.filter(scope_q(user, FILE_ROLES), status=Resident.Status.LIVING)
    has_enrolment = Enrolment.objects.filter(
        Q(beneficiary=OuterRef("pk")) | Q(household=OuterRef("household"), programme__target="household")
    ).exclude(status=Enrolment.Status.EXITED)
    has_application = Application.objects.filter(
        Q(beneficiary=OuterRef("pk")) | Q(household=OuterRef("household"), beneficiary__isnull=True)
    ).exclude(state=Application.State.REFUSED)
    uncovered = residents.annotate(e=Exists(has_enrolment), a=Exists(has_application)).filter(
        e=False, a=False
    )
    found: dict[int, dict] = {}
    for programme in Programme.objects.filter(is_active=True, eligibility__has_key="min_age"):
        min_age = int(programme.eligibility["min_age"])
        born_by = today.replace(year=today.year - min_age)
        mine = Enrolment.objects.filter(programme=programme, beneficiary=OuterRef("pk")).exclude(
            status="exited"
        )
        applied = Application.objects.filter(programme=programme, beneficiary=OuterRef("pk")).exclude(
            state="refused"
        )
        qs = (
            residents.filter(birth_date__lte=born_by)
            .annotate(e=Exists(mine), a=Exists(applied))
            .filter(e=False, a=False)
            .select_related("household", "org_unit")[:limit]
        )
        for r in qs:
            found.setdefault(r.pk, {"resident": r, "reasons": []})["reasons"].append(
                _("Aged %(age)s, not in %(programme)s")
                % {"age": r.age_on(today), "programme": programme.name}
            )
    # Households whose living members are all 70 or older and who receive nothing.
    old = today.replace(year=today.year - 70)
    young_member = Resident.objects.filter(
        household=OuterRef("household"), status="living", birth_date__gt=old
    )
    for r in (
        uncovered.filter(birth_date__lte=old, relationship_to_head="head")
        .annotate(y=Exists(young_member))
        .filter(y=False)
        .select_related("household", "org_unit")[:limit]
    ):
        found.setdefault(r.pk, {"resident": r, "reasons": []})["reasons"].append(_("Elderly-only household"))
    tagged = (
        uncovered.filter(care_tags__code__in=CARE_TAGS)
        .distinct()
        .select_related("household", "org_unit")
        .prefetch_related(Prefetch("care_tags", queryset=CareTag.objects.filter(code__in=CARE_TAGS)))
    )
    for r in tagged[:limit]:
        found.setdefault(r.pk, {"resident": r, "reasons": []})["reasons"].append(
            _("Care tag in the registry: %(tags)s")
            % {"tags": "、".join(_(t.name) for t in r.care_tags.all())}
        )
    return sorted(found.values(), key=lambda x: (x["resident"].org_unit_id, x["resident"].name))[:limit]


# ---------------------------------------------------------------- care reports


def _paid_lines(*, user, org_unit: OrgUnit, date_from: datetime.date, date_to: datetime.date) -> QuerySet:
    return PaymentLine.objects.filter(
        scope_q(user, FILE_ROLES),
        org_unit__path__startswith=org_unit.path,
        month__gte=calc.month_start(date_from),
        month__lte=date_to,
        status=PaymentLine.Status.PAID,
    )


def care_report(*, user, org_unit: OrgUnit, date_from: datetime.date, date_to: datetime.date) -> dict:
    """Households, persons and amount paid (confirmed by the bank) per programme and per report
    group, in the county's own format: "1,409 households / 2,145 people, 7,958,100 yuan".

    Households and persons are counted once per row, however many months, grants or programmes of
    the row paid them: a household paid as a whole counts its largest household size paid; people
    paid individually count once each; within one household the row counts the larger of the two
    (the individuals are members of that household), so a person in two programmes of one group
    is one person of the group."""
    lines = _paid_lines(user=user, org_unit=org_unit, date_from=date_from, date_to=date_to)
    per_key = (
        lines.values("programme_id", "beneficiary_key", "household_id")
        .annotate(amount=Sum("amount"), persons=Max("persons"))
        .order_by()
    )
    programmes = {p.pk: p for p in Programme.objects.all()}
    rows: dict[int, dict] = {}
    groups: dict[str, dict] = {}
    for row in per_key:
        programme = programmes[row["programme_id"]]
        individual = row["beneficiary_key"].startswith("r")
        for bucket, key in ((rows, programme.pk), (groups, programme.report_group)):
            item = bucket.setdefault(key, {"households": {}, "amount": Decimal(0)})
            household = item["households"].setdefault(row["household_id"], {"whole": 0, "people": set()})
            if individual:
                household["people"].add(row["beneficiary_key"])
            else:
                household["whole"] = max(household["whole"], row["persons"])
            item["amount"] += row["amount"]
    for bucket in (rows, groups):
        for item in bucket.values():
            item["persons"] = sum(max(h["whole"], len(h["people"])) for h in item["households"].values())

    def finish(item, label):
        households = len(item["households"])
        return {
            "label": label,
            "households": households,
            "persons": item["persons"],
            "amount": item["amount"],
            "text": _("%(households)s households / %(persons)s people, %(amount)s yuan")
            % {
                "households": f"{households:,}",
                "persons": f"{item['persons']:,}",
                "amount": yuan_text(item["amount"]),
            },
        }

    return {
        "org_unit": org_unit,
        "date_from": date_from,
        "date_to": date_to,
        "programmes": [finish(rows[p.pk], p.name) for p in programmes.values() if p.pk in rows],
        "groups": [
            finish(groups[g], str(label)) for g, label in Programme.ReportGroup.choices if g in groups
        ],
        "total": sum((item["amount"] for item in rows.values()), Decimal(0)),
    }


def yuan_text(amount: Decimal) -> str:
    """7958100.00 → '7,958,100'; 12.50 → '12.50' (the source writes whole yuan without decimals)."""
    amount = calc.fen(amount)
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def monthly_trend(*, user, org_unit: OrgUnit, date_from: datetime.date, date_to: datetime.date) -> dict:
    """Amount paid per month and report group, for the trend chart."""
    lines = _paid_lines(user=user, org_unit=org_unit, date_from=date_from, date_to=date_to)
    data = defaultdict(lambda: defaultdict(Decimal))
    for row in (
        lines.annotate(m=TruncMonth("month"))
        .values("m", "programme__report_group")
        .annotate(total=Sum("amount"))
        .order_by("m")
    ):
        data[row["programme__report_group"]][row["m"]] = row["total"]
    months = []
    day = calc.month_start(date_from)
    while day <= date_to:
        months.append(day)
        day = calc.add_months(day, 1)
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "series": [
            {"name": str(label), "data": [str(data[g].get(m, Decimal(0))) for m in months]}
            for g, label in Programme.ReportGroup.choices
        ],
    }


def dashboard_counts(*, user, today: datetime.date) -> dict:
    apps_ = Application.objects.filter(scope_q(user, FILE_ROLES))
    enrol = Enrolment.objects.filter(scope_q(user, FILE_ROLES))
    return {
        "open_applications": apps_.exclude(state__in=["enrolled", "refused"]).count(),
        "on_notice": apps_.filter(state="notice").count(),
        "active": enrol.filter(status__in=["active", "phase_out"]).count(),
        "suspended": enrol.filter(status="suspended").count(),
        "open_reviews": ReviewTask.objects.filter(scope_q(user, FILE_ROLES), done_at__isnull=True).count(),
        "overdue": ReviewTask.objects.filter(
            scope_q(user, FILE_ROLES), done_at__isnull=True, due_date__lt=today
        ).count(),
        "draft_batches": Batch.objects.filter(scope_q(user, FILE_ROLES)).exclude(state="reconciled").count(),
    }


def household_options(*, user) -> QuerySet:
    return Household.objects.filter(scope_q(user, FILE_ROLES), is_active=True).select_related("org_unit")
