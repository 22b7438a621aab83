"""Pages of the points bank: the counter (scan, award, redeem, receipt), approvals, rules, rewards,
accounts, rankings and the public notice for staff; balance, statement and catalogue for residents.
Thin: parse, check permission, call a service or selector, render."""

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES
from gongzhi.accounts.scoping import scope_q
from gongzhi.core import crypto
from gongzhi.core.errors import ApplicationError
from gongzhi.core.extension_points import CardOutcome, card_actions
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.uploads import upload_store
from gongzhi.core.views import form_error
from gongzhi.registry.models import Resident
from gongzhi.registry.selectors import card_resolve

from . import selectors, services
from .forms import AwardForm, PolicyForm, ReasonForm, RewardForm, RuleForm, ScanForm, StockForm
from .models import AwardRequest, PointEntry, Reward

PERIOD = re.compile(r"^(\d{4})(?:-?Q([1-4]))?$", re.I)


def _community(request, roles=READER_ROLES):
    """The community the page works on: ?community= among the user's, else their first."""
    units = selectors.communities_for(request.user, roles)
    wanted = request.GET.get("community") or request.POST.get("community")
    unit = units.filter(pk=wanted).first() if wanted and str(wanted).isdigit() else units.first()
    if unit is None:
        raise Http404
    return unit, units


def _period(request):
    text = (request.GET.get("period") or str(timezone.localdate().year)).strip()
    match = PERIOD.match(text)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise Http404
    return int(match.group(1)), int(match.group(2) or 0)


def _counter_resident(request, community, resident_id) -> Resident:
    resident = (
        Resident.objects.select_related("org_unit", "household")
        .filter(
            Q(scope_q(request.user, WORKER_ROLES)) | Q(point_accounts__org_unit=community),
            pk=resident_id,
            status=Resident.Status.LIVING,
        )
        .first()
    )
    if resident is None:
        raise Http404
    return resident


# --- staff overview ------------------------------------------------------------------------------


@permission_required("points.view_points_list", raise_exception=True)
def overview(request):
    community, communities = _community(request)
    q = request.GET.get("q", "").strip()
    page = paginate(request, selectors.account_list(user=request.user, q=q).filter(org_unit=community))
    return render(
        request,
        "points/overview.html",
        {
            "community": community,
            "communities": communities,
            "page": page,
            "q": q,
            "qs": querystring_without_page(request),
            "stats": selectors.community_stats(community),
            "pending": selectors.award_requests_pending(user=request.user).filter(org_unit=community).count(),
            "can_counter": request.user.has_perm("points.use_counter", community),
            "can_manage": request.user.has_perm("points.manage_points", community),
        },
    )


@permission_required("points.view_points_list", raise_exception=True)
def account_detail(request, pk):
    try:
        account = selectors.account_get(user=request.user, pk=pk)
    except selectors.PointAccount.DoesNotExist as exc:
        raise Http404 from exc
    page = paginate(request, selectors.entries_of(account))
    return render(
        request,
        "points/account_detail.html",
        {
            "account": account,
            "page": page,
            "qs": querystring_without_page(request),
            "can_counter": request.user.has_perm("points.use_counter", account),
            "reverse_form": ReasonForm(),
        },
    )


@require_POST
@permission_required("points.use_counter", raise_exception=True)
def entry_reverse(request, pk):
    try:
        entry = selectors.entry_get(user=request.user, pk=pk)
    except PointEntry.DoesNotExist as exc:
        raise Http404 from exc
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.entry_reverse(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The award was reversed."))
    else:
        messages.error(request, _("Give the reason for the correction."))
    return redirect("points:account_detail", entry.account_id)


# --- the counter ---------------------------------------------------------------------------------


def _card_actions(request, community, wanted=""):
    """The card actions other apps offer at this counter now, as (value, label) choices; the value
    is "<action key>:<the action's own value>"."""
    action_key, _sep, value = (wanted or "").rpartition(":")
    out = []
    for action in card_actions():
        own = value if action_key == action.key else None
        out += [(f"{action.key}:{v}", label) for v, label in action.choices(request, community, own)]
    return out


def _perform(request, community, do, code):
    """Run the chosen card action for the resident the code stands for, or say why not."""
    action_key, _sep, value = do.rpartition(":")
    action = next((a for a in card_actions() if a.key == action_key), None)
    resident = selectors.resident_by_code(user=request.user, community=community, code=code)
    if action is None or resident is None:
        return None, CardOutcome(False, _("No resident was found for this card or phone number."))
    by_card = card_resolve(code) is not None
    return resident, action.perform(request, community, value, resident, by_card)


@permission_required("points.use_counter", raise_exception=True)
def counter(request):
    """The service centre's one scan page: the phone camera reads a cloud check-in card
    (BarcodeDetector), or staff type the card code, a phone number or a name; then the resident's
    points account opens (award, exchange), or the chosen card action runs at once (check in or out
    of an activity session) and the page waits for the next card with the same choice."""
    community, communities = _community(request, WORKER_ROLES)
    wanted = request.POST.get("do") or request.GET.get("do") or ""
    actions = _card_actions(request, community, wanted)
    form = ScanForm(request.POST or None, actions=actions, initial={"do": wanted})
    matches = []
    outcome = resident = None
    status = 200
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        do = form.cleaned_data["do"]
        if do:
            resident, outcome = _perform(request, community, do, code)
            if resident is None:
                matches = selectors.residents_by_name(user=request.user, community=community, name=code)
                if matches:
                    outcome = None
            status = 200 if outcome is None or outcome.ok else 409
            # The next card gets the same choice; the code field is emptied for it.
            form = ScanForm(actions=_card_actions(request, community, do), initial={"do": do})
        else:
            resident = selectors.resident_by_code(user=request.user, community=community, code=code)
            if resident is not None:
                if selectors.account_for(resident, community) is None:
                    services.account_open(actor=request.user, resident=resident, org_unit=community)
                    if services.home_community(resident) != community:
                        messages.success(
                            request,
                            _("%(name)s is now registered in %(community)s as well (双报到).")
                            % {"name": resident.name, "community": community.name},
                        )
                url = reverse("points:counter_resident", args=[resident.pk])
                return redirect(f"{url}?community={community.pk}")
            matches = selectors.residents_by_name(user=request.user, community=community, name=code)
            if not matches:
                form.add_error("code", _("No resident was found for this card or phone number."))
    return render(
        request,
        "points/counter.html",
        {
            "form": form,
            "community": community,
            "communities": communities,
            "matches": matches,
            "outcome": outcome,
            "outcome_resident": resident,
            "autostart": request.method == "POST" and request.POST.get("camera") == "1",
            "extra_params": [("do", wanted)] if wanted else [],
        },
        status=status,
    )


def _counter_context(request, community, resident, award_form=None):
    account = services.account_open(actor=request.user, resident=resident, org_unit=community)
    rules = selectors.rules_of(community).filter(is_active=True, needs_confirmation=False)
    panels = [a.panel(request, community, resident) for a in card_actions() if a.panel is not None]
    return {
        "community": community,
        "resident": resident,
        "action_panels": [p for p in panels if p],
        "account": account,
        "masked_phone": crypto.mask_phone(resident.phone),
        "award_form": award_form or AwardForm(rules=rules, initial={"idempotency_key": uuid.uuid4().hex}),
        "catalogue": selectors.catalogue_for(account),
        "redeem_key": uuid.uuid4().hex,
        "recent": selectors.entries_of(account)[:5],
    }


@permission_required("points.use_counter", raise_exception=True)
def counter_resident(request, resident_id):
    community, _units = _community(request, WORKER_ROLES)
    resident = _counter_resident(request, community, resident_id)
    return render(request, "points/counter_resident.html", _counter_context(request, community, resident))


@require_POST
@permission_required("points.use_counter", raise_exception=True)
def counter_award(request, resident_id):
    community, _units = _community(request, WORKER_ROLES)
    resident = _counter_resident(request, community, resident_id)
    rules = selectors.rules_of(community).filter(is_active=True, needs_confirmation=False)
    form = AwardForm(request.POST, request.FILES, rules=rules)
    if form.is_valid():
        data = form.cleaned_data
        try:
            photo = None
            if data.get("photo"):
                photo = upload_store(
                    actor=request.user,
                    file=data["photo"],
                    org_unit=community,
                    purpose="points.award",
                    images_only=True,
                )
            result = services.award_submit(
                actor=request.user,
                resident=resident,
                rule_code=data["rule"],
                quantity=data["quantity"],
                idempotency_key=data["idempotency_key"],
                note=data["note"],
                photo=photo,
                org_unit=community,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if isinstance(result, AwardRequest):
                messages.success(
                    request,
                    _("The award of %(points)s points waits for a second staff member's approval.")
                    % {"points": result.points},
                )
            else:
                messages.success(request, _("%(points)s points awarded.") % {"points": result.entry.points})
            url = reverse("points:counter_resident", args=[resident.pk])
            return redirect(f"{url}?community={community.pk}")
    context = _counter_context(request, community, resident, award_form=form)
    return render(request, "points/counter_resident.html", context, status=400)


@require_POST
@permission_required("points.use_counter", raise_exception=True)
def counter_redeem(request, resident_id):
    community, _units = _community(request, WORKER_ROLES)
    resident = _counter_resident(request, community, resident_id)
    account = services.account_open(actor=request.user, resident=resident, org_unit=community)
    rewards = {r.pk: r for r in selectors.catalogue(community)}
    items = []
    for key, value in request.POST.items():
        if key.startswith("qty-") and value.strip():
            try:
                reward_id, quantity = int(key[4:]), int(value)
            except ValueError:
                messages.error(request, _("Quantities must be whole numbers."))
                items = None
                break
            if quantity and reward_id in rewards:
                items.append((rewards[reward_id], quantity))
    if items is not None:
        try:
            result = services.redemption_create(
                actor=request.user,
                account=account,
                items=items,
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("points:receipt", result.redemption.pk)
    url = reverse("points:counter_resident", args=[resident.pk])
    return redirect(f"{url}?community={community.pk}")


@permission_required("points.view_points_list", raise_exception=True)
def receipt(request, pk):
    try:
        redemption = selectors.redemption_get(user=request.user, pk=pk)
    except selectors.Redemption.DoesNotExist as exc:
        raise Http404 from exc
    can_cancel = (
        redemption.state == redemption.State.COMPLETED
        and timezone.localdate(redemption.created_at) == timezone.localdate()
        and request.user.has_perm("points.use_counter", redemption)
    )
    return render(request, "points/receipt.html", {"redemption": redemption, "can_cancel": can_cancel})


@require_POST
@permission_required("points.use_counter", raise_exception=True)
def redemption_cancel(request, pk):
    try:
        redemption = selectors.redemption_get(user=request.user, pk=pk)
    except selectors.Redemption.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("points.use_counter", redemption):
        raise Http404
    try:
        services.redemption_cancel(
            actor=request.user, redemption=redemption, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The redemption was cancelled: points and stock are back."))
    return redirect("points:receipt", pk)


@permission_required("points.view_points_list", raise_exception=True)
def redemption_list(request):
    community, communities = _community(request)
    page = paginate(request, selectors.redemption_list(user=request.user).filter(org_unit=community))
    return render(
        request,
        "points/redemption_list.html",
        {
            "page": page,
            "community": community,
            "communities": communities,
            "qs": querystring_without_page(request),
        },
    )


# --- approvals -----------------------------------------------------------------------------------


@permission_required("points.use_counter", raise_exception=True)
def approvals(request):
    page = paginate(request, selectors.award_requests_pending(user=request.user))
    return render(request, "points/approvals.html", {"page": page, "qs": querystring_without_page(request)})


@require_POST
@permission_required("points.use_counter", raise_exception=True)
def approval_decide(request, pk):
    try:
        award_request = selectors.award_request_get(user=request.user, pk=pk)
    except AwardRequest.DoesNotExist as exc:
        raise Http404 from exc
    ok = False
    try:
        if request.POST.get("decision") == "approve":
            services.award_request_approve(actor=request.user, award_request=award_request)
            text = _("Approved: the points were awarded.")
        else:
            services.award_request_reject(
                actor=request.user, award_request=award_request, reason=request.POST.get("reason", "")
            )
            text = _("Rejected.")
        ok = True
    except ApplicationError as exc:
        text = exc.message
    if request.headers.get("HX-Request"):
        # htmx swaps the decided row in place.
        return render(
            request, "points/partials/approval_done.html", {"req": award_request, "text": text, "ok": ok}
        )
    (messages.success if ok else messages.error)(request, text)
    return redirect("points:approvals")


# --- rules and policy ----------------------------------------------------------------------------


@permission_required("points.view_points_list", raise_exception=True)
def rule_list(request):
    community, communities = _community(request)
    return render(
        request,
        "points/rule_list.html",
        {
            "community": community,
            "communities": communities,
            "rules": selectors.rules_of(community),
            "policy": services.policy_for(community),
            "can_manage": request.user.has_perm("points.manage_points", community),
        },
    )


@permission_required("points.manage_points", raise_exception=True)
def rule_edit(request, pk=None):
    community, _units = _community(request, WORKER_ROLES)
    rule = None
    if pk is not None:
        rule = selectors.rule_list(user=request.user).filter(pk=pk).first()
        if rule is None or not request.user.has_perm("points.manage_points", rule):
            raise Http404
        community = rule.org_unit
    if not request.user.has_perm("points.manage_points", community):
        raise Http404
    initial = {f: getattr(rule, f) for f in ("code", *services.RULE_FIELDS)} if rule else None
    form = RuleForm(request.POST or None, initial=initial, editing=rule is not None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("code", None)
        try:
            if rule:
                services.rule_update(actor=request.user, rule=rule, **data)
            else:
                services.rule_create(
                    actor=request.user,
                    org_unit=community,
                    code=code,
                    name=data.pop("name"),
                    category=data.pop("category"),
                    points=data.pop("points"),
                    **data,
                )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('points:rules')}?community={community.pk}")
    title = _("Edit point rule") if rule else _("New point rule")
    return render(request, "core/form.html", {"form": form, "title": title, "back": reverse("points:rules")})


@permission_required("points.manage_points", raise_exception=True)
def policy_edit(request):
    community, _units = _community(request, WORKER_ROLES)
    if not request.user.has_perm("points.manage_points", community):
        raise Http404
    policy = services.policy_for(community)
    form = PolicyForm(
        request.POST or None,
        initial={"approval_threshold": policy.approval_threshold, "expiry_months": policy.expiry_months},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_save(actor=request.user, org_unit=community, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('points:rules')}?community={community.pk}")
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("Points policy of %(name)s") % {"name": community.name},
            "back": reverse("points:rules"),
        },
    )


# --- rewards and stock ---------------------------------------------------------------------------


@permission_required("points.view_points_list", raise_exception=True)
def reward_list(request):
    community, communities = _community(request)
    page = paginate(request, selectors.reward_list(user=request.user).filter(org_unit=community))
    return render(
        request,
        "points/reward_list.html",
        {
            "community": community,
            "communities": communities,
            "page": page,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm("points.manage_points", community),
        },
    )


@permission_required("points.manage_points", raise_exception=True)
def reward_edit(request, pk=None):
    community, _units = _community(request, WORKER_ROLES)
    reward = None
    if pk is not None:
        reward = selectors.reward_list(user=request.user).filter(pk=pk).first()
        if reward is None or not request.user.has_perm("points.manage_points", reward):
            raise Http404
        community = reward.org_unit
    if not request.user.has_perm("points.manage_points", community):
        raise Http404
    initial = (
        {
            f: getattr(reward, f)
            for f in ("name", "description", "points_price", "per_person_monthly_limit", "is_active")
        }
        if reward
        else None
    )
    form = RewardForm(
        request.POST or None, request.FILES or None, initial=initial, editing=reward is not None
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo_file = data.pop("photo", None)
        try:
            if photo_file:
                data["photo"] = upload_store(
                    actor=request.user,
                    file=photo_file,
                    org_unit=community,
                    purpose="points.reward",
                    images_only=True,
                )
            if reward:
                services.reward_update(actor=request.user, reward=reward, **data)
            else:
                services.reward_create(
                    actor=request.user,
                    org_unit=community,
                    name=data.pop("name"),
                    points_price=data.pop("points_price"),
                    stock=data.pop("stock"),
                    **data,
                )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('points:rewards')}?community={community.pk}")
    title = _("Edit reward") if reward else _("New reward")
    return render(
        request, "core/form.html", {"form": form, "title": title, "back": reverse("points:rewards")}
    )


@permission_required("points.view_points_list", raise_exception=True)
def reward_detail(request, pk):
    try:
        reward = selectors.reward_get(user=request.user, pk=pk)
    except Reward.DoesNotExist as exc:
        raise Http404 from exc
    can_manage = request.user.has_perm("points.manage_points", reward)
    form = StockForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["kind"] == "restock":
                    services.stock_restock(
                        actor=request.user, reward=reward, quantity=data["quantity"], reason=data["reason"]
                    )
                else:
                    services.stock_adjust(
                        actor=request.user, reward=reward, quantity=data["quantity"], reason=data["reason"]
                    )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Stock updated."))
                return redirect("points:reward_detail", reward.pk)
    page = paginate(request, selectors.movements_of(reward))
    return render(
        request,
        "points/reward_detail.html",
        {
            "reward": reward,
            "page": page,
            "form": form,
            "can_manage": can_manage,
            "qs": querystring_without_page(request),
        },
    )


# --- rankings and the public notice --------------------------------------------------------------


@permission_required("points.view_points_list", raise_exception=True)
def ranking(request):
    community, communities = _community(request)
    year, quarter = _period(request)
    rows, period = selectors.ranking(community, year, quarter)
    page = paginate(request, rows, per_page=50)
    return render(
        request,
        "points/ranking.html",
        {
            "community": community,
            "communities": communities,
            "year": year,
            "quarter": quarter,
            "period_label": f"{year}-Q{quarter}" if quarter else str(year),
            "periods": selectors.period_choices(),
            "page": page,
            "closed": period,
            "qs": querystring_without_page(request),
            "can_manage": request.user.has_perm("points.manage_points", community),
        },
    )


@require_POST
@permission_required("points.manage_points", raise_exception=True)
def ranking_close(request):
    community, _units = _community(request, WORKER_ROLES)
    if not request.user.has_perm("points.manage_points", community):
        raise Http404
    match = PERIOD.match(request.POST.get("period", ""))
    if not match:
        raise Http404
    year, quarter = int(match.group(1)), int(match.group(2) or 0)
    try:
        services.ranking_close(actor=request.user, org_unit=community, year=year, quarter=quarter)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The period is closed: its ranking is frozen."))
    return redirect(
        f"{reverse('points:ranking')}?community={community.pk}&period={request.POST.get('period')}"
    )


@login_required
def notice(request, community_id):
    """The public notice (公示): the period's ranking and redemptions with masked names; printable."""
    community = (
        selectors.communities_for(request.user, selectors.NOTICE_ROLES).filter(pk=community_id).first()
    )
    if community is None:
        raise Http404
    year, quarter = _period(request)
    data = selectors.public_notice(community, year, quarter)
    return render(
        request,
        "points/notice.html",
        {
            "community": community,
            "year": year,
            "quarter": quarter,
            "ranking": data["ranking"],
            "redemptions": data["redemptions"],
            "closed": data["period"],
            "today": timezone.localdate(),
        },
    )


# --- the resident's own view ---------------------------------------------------------------------


@permission_required("points.view_own_points", raise_exception=True)
def my_points(request):
    resident = selectors.resident_of(request.user)
    if resident is None:
        raise Http404
    accounts = list(selectors.accounts_of_resident(resident))
    wanted = request.GET.get("account")
    account = next((a for a in accounts if str(a.pk) == wanted), accounts[0] if accounts else None)
    page = paginate(request, selectors.entries_of(account) if account else [])
    return render(
        request,
        "points/my_points.html",
        {
            "resident": resident,
            "accounts": accounts,
            "account": account,
            "page": page,
            "qs": querystring_without_page(request),
            "catalogue": selectors.catalogue_for(account) if account else [],
        },
    )
