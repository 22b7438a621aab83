"""The points bank: rules, accounts, an append-only ledger, rewards and stock, redemptions, rankings.

Invariants kept by the database as well as by the services:
- one account per (resident, org unit); balance >= 0; lifetime earned >= 0;
- one idempotency key per account (entries and redemptions); at most one reversal per entry;
- stock >= 0; a reward's stock equals the sum of its movements, an account's balance the sum of
  its entries (`points_verify` recomputes both).
Point entries and stock movements are append-only: the model and the queryset refuse updates and
deletes, and on PostgreSQL a trigger refuses them too (migration 0002)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit, StoredUpload
from gongzhi.registry.models import Resident


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a ledger row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: they cannot be updated.")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: they cannot be updated.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: they cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: they cannot be deleted.")


class PointPolicy(models.Model):
    """A community's settings for its points bank."""

    org_unit = models.OneToOneField(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="point_policy"
    )
    approval_threshold = models.PositiveIntegerField(
        _("approval threshold"),
        default=50,
        help_text=_("A manual award of more points than this needs a second staff member's approval."),
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for points that never expire."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("points policy")
        verbose_name_plural = _("points policies")
        constraints = [
            models.CheckConstraint(
                name="pointpolicy_expiry_positive",
                condition=Q(expiry_months__isnull=True) | Q(expiry_months__gte=1),
            )
        ]

    def __str__(self):
        return f"{self.org_unit} policy"


class PointRule(models.Model):
    class Category(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer service")
        ENVIRONMENT = "environment", _("Environment clean-up")
        MEDIATION = "mediation", _("Dispute mediation")
        PATROL = "patrol", _("Patrol")
        CIVILITY = "civility", _("Civility")
        OTHER = "other", _("Other")

    class Unit(models.TextChoices):
        HOUR = "hour", _("per hour")
        OCCURRENCE = "occurrence", _("per occurrence")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="point_rules"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    unit = models.CharField(_("counted"), max_length=16, choices=Unit.choices, default=Unit.OCCURRENCE)
    points = models.PositiveIntegerField(_("points per unit"))
    daily_cap = models.PositiveIntegerField(_("daily cap per person"), null=True, blank=True)
    yearly_cap = models.PositiveIntegerField(_("yearly cap per person"), null=True, blank=True)
    needs_confirmation = models.BooleanField(_("organiser must confirm"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")
        ordering = ["category", "code"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "code"], name="pointrule_unique_code"),
            models.CheckConstraint(name="pointrule_points_positive", condition=Q(points__gte=1)),
            models.CheckConstraint(
                name="pointrule_valid_range",
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def is_valid_on(self, day) -> bool:
        if not self.is_active:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class PointAccount(models.Model):
    """A resident's account in one org unit. Balance and lifetime are caches of the ledger, changed
    only by the services with conditional UPDATEs."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="point_accounts")
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="point_accounts"
    )
    balance = models.IntegerField(_("balance"), default=0)
    lifetime_earned = models.IntegerField(_("lifetime earned"), default=0)
    opened_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("point account")
        verbose_name_plural = _("point accounts")
        constraints = [
            models.UniqueConstraint(fields=["resident", "org_unit"], name="pointaccount_one_per_unit"),
            models.CheckConstraint(name="pointaccount_balance_gte_0", condition=Q(balance__gte=0)),
            models.CheckConstraint(name="pointaccount_lifetime_gte_0", condition=Q(lifetime_earned__gte=0)),
        ]

    def __str__(self):
        return f"{self.resident} @ {self.org_unit}"


class PointEntry(AppendOnlyModel):
    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        REVERSAL = "reversal", _("Reversal")
        REDEMPTION = "redemption", _("Redemption")
        CANCELLATION = "cancellation", _("Redemption cancelled")
        EXPIRY = "expiry", _("Expiry")

    # Kinds that count as earning (lifetime, rankings, caps).
    EARNING_KINDS = (Kind.AWARD, Kind.REVERSAL)

    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="entries")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    rule = models.ForeignKey(PointRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=7, decimal_places=2, default=1)
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    photo = models.ForeignKey(StoredUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=100)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    redemption = models.ForeignKey(
        "Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("point entry")
        verbose_name_plural = _("point entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="pointentry_unique_key"),
            models.CheckConstraint(name="pointentry_points_nonzero", condition=~Q(points=0)),
            models.CheckConstraint(
                name="pointentry_sign_by_kind",
                condition=(Q(kind__in=["award", "cancellation"], points__gt=0))
                | Q(kind__in=["redemption", "expiry", "reversal"], points__lt=0),
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "kind", "created_at"], name="pointentry_unit_kind_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.points:+d}"


class AwardRequest(models.Model):
    """A manual award above the community's threshold, waiting for a second staff member."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="award_requests")
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=7, decimal_places=2)
    points = models.PositiveIntegerField(_("points"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(max_length=100, blank=True)
    photo = models.ForeignKey(StoredUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=100)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=500, blank=True)
    entry = models.OneToOneField(
        PointEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("award awaiting approval")
        verbose_name_plural = _("awards awaiting approval")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="awardrequest_unique_key"),
            models.CheckConstraint(
                name="awardrequest_checker_not_maker",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
            ),
            models.CheckConstraint(
                name="awardrequest_approved_has_entry",
                condition=~Q(state="approved") | Q(entry__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.rule} +{self.points} ({self.state})"


class Reward(models.Model):
    """An item of the love supermarket. `stock` is the cached sum of its movements."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="rewards"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    photo = models.ForeignKey(StoredUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points_price = models.PositiveIntegerField(_("price in points"))
    stock = models.IntegerField(_("stock"), default=0)
    per_person_monthly_limit = models.PositiveIntegerField(
        _("limit per person per month"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["points_price", "name", "id"]
        constraints = [
            models.CheckConstraint(name="reward_stock_gte_0", condition=Q(stock__gte=0)),
            models.CheckConstraint(name="reward_price_positive", condition=Q(points_price__gte=1)),
            models.CheckConstraint(
                name="reward_limit_positive",
                condition=Q(per_person_monthly_limit__isnull=True) | Q(per_person_monthly_limit__gte=1),
            ),
        ]

    def __str__(self):
        return self.name


class Redemption(models.Model):
    class State(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="redemptions")
    total_points = models.PositiveIntegerField(_("points"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.COMPLETED)
    idempotency_key = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="redemption_unique_key"),
            models.CheckConstraint(name="redemption_total_positive", condition=Q(total_points__gte=1)),
            models.CheckConstraint(
                name="redemption_cancel_fields",
                condition=Q(state="completed", cancelled_at__isnull=True)
                | Q(state="cancelled", cancelled_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.receipt_number

    @property
    def receipt_number(self) -> str:
        return f"R{self.created_at:%Y%m%d}-{self.pk:06d}"


class RedemptionLine(models.Model):
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the redemption's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.PositiveIntegerField(_("price in points"))

    class Meta:
        constraints = [
            models.CheckConstraint(name="redemptionline_quantity_positive", condition=Q(quantity__gte=1)),
            models.UniqueConstraint(fields=["redemption", "reward"], name="redemptionline_one_per_reward"),
        ]

    def __str__(self):
        return f"{self.reward} × {self.quantity}"

    @property
    def points(self) -> int:
        return self.quantity * self.unit_price


class StockMovement(AppendOnlyModel):
    class Kind(models.TextChoices):
        RESTOCK = "restock", _("Restock")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REDEMPTION = "redemption", _("Redemption")
        CANCELLATION = "cancellation", _("Redemption cancelled")

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="movements")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    quantity = models.IntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    redemption = models.ForeignKey(
        Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="stockmovement_nonzero", condition=~Q(quantity=0)),
            models.CheckConstraint(
                name="stockmovement_adjustment_has_reason",
                condition=~Q(kind="adjustment") | ~Q(reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.reward} {self.quantity:+d}"


class RankingPeriod(models.Model):
    """A closed ranking period: its rows are frozen in RankingRow."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0, help_text=_("0 for the whole year."))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "quarter"], name="rankingperiod_unique"),
            models.CheckConstraint(
                name="rankingperiod_quarter_0_4", condition=Q(quarter__gte=0, quarter__lte=4)
            ),
        ]

    def __str__(self):
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)


class RankingRow(models.Model):
    period = models.ForeignKey(RankingPeriod, on_delete=models.PROTECT, related_name="rows")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the period's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    points = models.IntegerField()
    reached_at = models.DateTimeField()
    is_party_member = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["period", "rank"], name="rankingrow_unique_rank"),
        ]

    def __str__(self):
        return f"{self.rank}. {self.name}"
