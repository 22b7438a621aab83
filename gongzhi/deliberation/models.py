"""The neighbourhood deliberation corner (邻里议事角): topics, supports, comments, meetings, decisions
(votes) and results tracked to done. Every table carries the community it belongs to (`org_unit`)
or hangs from a row that does."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import OrgUnit, PartnerUnit, StoredUpload
from gongzhi.registry.models import Household, Resident
from gongzhi.venues.models import Booking, Room


def _token() -> str:
    return secrets.token_urlsafe(12)


class Corner(models.Model):
    """A community's rules for its deliberation corner; a community without a row uses the defaults."""

    DEFAULT_THRESHOLD = 10
    DEFAULT_VOTE_DAYS = 7
    DEFAULT_QUORUM = 50
    DEFAULT_MAJORITY = 50

    org_unit = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="deliberation_corner")
    support_threshold = models.PositiveIntegerField(
        _("supports needed for the agenda"),
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("How many households must support a resident's topic before it goes on the agenda."),
    )
    vote_days = models.PositiveIntegerField(
        _("days a household vote stays open"),
        default=DEFAULT_VOTE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    quorum_percent = models.PositiveIntegerField(
        _("quorum (percent of those entitled to vote)"),
        default=DEFAULT_QUORUM,
        validators=[MaxValueValidator(100)],
    )
    majority_percent = models.PositiveIntegerField(
        _("majority (percent of yes among yes and no votes, to be exceeded)"),
        default=DEFAULT_MAJORITY,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("deliberation corner settings")
        constraints = [
            models.CheckConstraint(name="corner_threshold_positive", condition=Q(support_threshold__gte=1)),
            models.CheckConstraint(
                name="corner_vote_days_range", condition=Q(vote_days__gte=1, vote_days__lte=90)
            ),
            models.CheckConstraint(name="corner_quorum_range", condition=Q(quorum_percent__lte=100)),
            models.CheckConstraint(
                name="corner_majority_range", condition=Q(majority_percent__gte=1, majority_percent__lte=99)
            ),
        ]

    def __str__(self):
        return f"{self.org_unit}"


class Topic(models.Model):
    """A matter for the community's deliberation corner. A resident's proposal collects supports
    until it reaches the agenda; the community's own topics and escalated cases start on it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Collecting supports")
        OPEN = "open", _("On the agenda")
        SCHEDULED = "scheduled", _("Scheduled for a meeting")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")

    class Origin(models.TextChoices):
        RESIDENT = "resident", _("Proposed by a resident")
        COMMUNITY = "community", _("Put by the community")
        CASE = "case", _("Escalated from a case")

    class Category(models.TextChoices):
        ENVIRONMENT = "environment", _("Environment and sanitation")
        FACILITIES = "facilities", _("Public facilities")
        SAFETY = "safety", _("Safety")
        NEIGHBOURS = "neighbours", _("Neighbourhood relations")
        SERVICES = "services", _("Services for residents")
        PROPERTY = "property", _("Property and parking")
        OTHER = "other", _("Other")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="topics"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.COMMUNITY)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    grids = models.ManyToManyField(OrgUnit, verbose_name=_("affected grids"), blank=True, related_name="+")
    source = models.CharField(
        _("source"), max_length=64, blank=True, help_text=_("Where the topic came from, e.g. a case number.")
    )
    # The case a consultation topic was escalated from. The case holds the foreign key to the topic
    # (cases may call deliberation); this plain id is the way back, without importing cases.
    case_id = models.PositiveIntegerField(_("originating case"), null=True, blank=True, db_index=True)
    proposer_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    support_threshold = models.PositiveIntegerField(_("supports needed"), default=0)
    on_agenda_at = models.DateTimeField(_("on the agenda since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="topic_status_valid",
                condition=Q(status__in=["proposed", "open", "scheduled", "decided", "closed"]),
            ),
            models.CheckConstraint(
                name="topic_origin_valid", condition=Q(origin__in=["resident", "community", "case"])
            ),
            models.UniqueConstraint(
                fields=["case_id"], name="topic_one_per_case", condition=Q(case_id__isnull=False)
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def support_percent(self) -> int:
        if not self.support_threshold:
            return 100
        return min(100, self.support_count * 100 // self.support_threshold)


class TopicAttachment(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="attachments")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the topic's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    upload = models.ForeignKey(StoredUpload, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self):
        return self.title


class Support(models.Model):
    """One household supports a resident's topic once, whichever member clicks."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="supports")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the topic's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "household"], name="support_one_per_household"),
        ]

    def __str__(self):
        return f"{self.topic_id}/{self.household_id}"


class Comment(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden pending review")
        REMOVED = "removed", _("Removed by the moderator")

    HIDE_AFTER_REPORTS = 3

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the topic's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=2000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.VISIBLE)
    report_count = models.PositiveIntegerField(default=0)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="comment_status_valid", condition=Q(status__in=["visible", "hidden", "removed"])
            )
        ]

    def __str__(self):
        return self.body[:40]


class CommentReport(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the topic's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="comment_report_once")]

    def __str__(self):
        return f"{self.comment_id}/{self.user_id}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Notice published")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    room = models.ForeignKey(
        Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("place"), max_length=200)
    notes = models.TextField(_("notes for participants"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(name="meeting_start_before_end", condition=Q(start__lt=F("end"))),
            models.CheckConstraint(
                name="meeting_status_valid",
                condition=Q(status__in=["draft", "published", "held", "cancelled"]),
            ),
        ]

    def __str__(self):
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the meeting's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField(default=1)
    minutes = models.TextField(_("minutes"), max_length=8000, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "topic"], name="agenda_topic_once")]

    def __str__(self):
        return f"{self.position}. {self.topic}"


class Participant(models.Model):
    """An invited or registered participant; the token is their registration QR code."""

    class Kind(models.TextChoices):
        REPRESENTATIVE = "representative", _("Residents' representative")
        PARTNER = "partner", _("Partner unit")
        PARTY_MEMBER = "party_member", _("Party member")
        SECRETARY = "secretary", _("Secretary")
        RESIDENT = "resident", _("Resident")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the meeting's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("as"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        PartnerUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invited = models.BooleanField(default=False)
    registered_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    attended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "resident"],
                name="participant_resident_once",
                condition=Q(resident__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"], name="participant_user_once", condition=Q(user__isnull=False)
            ),
        ]

    def __str__(self):
        return self.name


class MeetingPhoto(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the meeting's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    upload = models.ForeignKey(StoredUpload, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.meeting_id}/{self.upload_id}"


class Decision(models.Model):
    """A vote on a topic: among the representatives present at a meeting, or one vote per household."""

    class Method(models.TextChoices):
        REPRESENTATIVES = "representatives", _("Vote of the representatives present")
        HOUSEHOLDS = "households", _("Household vote (one household, one vote)")

    class Status(models.TextChoices):
        OPEN = "open", _("Voting open")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        PENDING = "", _("Not yet counted")
        PASSED = "passed", _("Passed")
        REJECTED = "rejected", _("Not passed")
        NO_QUORUM = "no_quorum", _("No quorum")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="decisions")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    question = models.CharField(_("question"), max_length=300)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(_("closes"))
    quorum_percent = models.PositiveIntegerField(_("quorum %"), validators=[MaxValueValidator(100)])
    majority_percent = models.PositiveIntegerField(
        _("majority %"), validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    eligible = models.PositiveIntegerField(_("entitled to vote"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING, blank=True)
    yes = models.PositiveIntegerField(default=0)
    no = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="decision_opens_before_closes", condition=Q(opens_at__lt=F("closes_at"))
            ),
            models.CheckConstraint(name="decision_quorum_range", condition=Q(quorum_percent__lte=100)),
            models.CheckConstraint(
                name="decision_majority_range", condition=Q(majority_percent__gte=1, majority_percent__lte=99)
            ),
            models.CheckConstraint(
                name="decision_method_valid", condition=Q(method__in=["representatives", "households"])
            ),
        ]

    def __str__(self):
        return self.question

    @property
    def turnout(self) -> int:
        return self.yes + self.no + self.abstain


class Vote(models.Model):
    """One ballot. Household votes: one per household (a member may change it until the close).
    Representative votes: one per present participant. Never shown to other residents."""

    class Choice(models.TextChoices):
        YES = "yes", _("In favour")
        NO = "no", _("Against")
        ABSTAIN = "abstain", _("Abstain")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="votes")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the decision's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=8, choices=Choice.choices)
    cast_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(default=timezone.now)
    changes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "household"],
                name="vote_one_per_household",
                condition=Q(household__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["decision", "participant"],
                name="vote_one_per_participant",
                condition=Q(participant__isnull=False),
            ),
            models.CheckConstraint(
                name="vote_household_or_participant",
                condition=Q(household__isnull=False, participant__isnull=True)
                | Q(household__isnull=True, participant__isnull=False),
            ),
            models.CheckConstraint(
                name="vote_choice_valid", condition=Q(choice__in=["yes", "no", "abstain"])
            ),
        ]

    def __str__(self):
        return f"{self.decision_id}"


class Result(models.Model):
    """What the community does about a decided topic, tracked in public until done."""

    class OwnerKind(models.TextChoices):
        COMMUNITY = "community", _("The community")
        PARTNER = "partner", _("A partner unit")
        GRID = "grid", _("A grid")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    topic = models.OneToOneField(Topic, on_delete=models.PROTECT, related_name="result")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    owner_kind = models.CharField(_("owner"), max_length=12, choices=OwnerKind.choices)
    owner_partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_grid = models.ForeignKey(
        OrgUnit, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    progress = models.PositiveIntegerField(_("progress %"), default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="result_progress_range", condition=Q(progress__lte=100)),
            models.CheckConstraint(
                name="result_done_is_complete",
                condition=~Q(status="done") | Q(progress=100, done_at__isnull=False),
            ),
            models.CheckConstraint(
                name="result_owner_named",
                condition=Q(owner_kind="community")
                | Q(owner_kind="partner", owner_partner__isnull=False)
                | Q(owner_kind="grid", owner_grid__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def owner_name(self) -> str:
        if self.owner_kind == self.OwnerKind.PARTNER and self.owner_partner_id:
            return self.owner_partner.name
        if self.owner_kind == self.OwnerKind.GRID and self.owner_grid_id:
            return self.owner_grid.name
        return str(self.OwnerKind(self.owner_kind).label)


class Milestone(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="milestones")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the result's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.title


class ResultUpdate(models.Model):
    """A progress report (append-only): what was done, the progress reached, photos."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="updates")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the result's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("what was done"), max_length=2000)
    progress = models.PositiveIntegerField(_("progress %"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(name="update_progress_range", condition=Q(progress__lte=100))]

    def __str__(self):
        return f"{self.result_id}: {self.progress} %"


class ResultPhoto(models.Model):
    update = models.ForeignKey(ResultUpdate, on_delete=models.CASCADE, related_name="photos")
    # The distribution key (docs/performance.md, "every domain table carries its org unit"): the result's community.
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    upload = models.ForeignKey(StoredUpload, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"{self.update_id}/{self.upload_id}"
