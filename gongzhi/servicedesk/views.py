"""Pages of the service desk. Thin: parse, check the permission, call a service or selector, render."""

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.roles import WORKER_ROLES
from gongzhi.core import audit
from gongzhi.core.crypto import mask_name
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import GridStation, OrgUnit
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.ratelimit import limit
from gongzhi.core.views import form_error
from gongzhi.registry import selectors as registry_selectors

from . import exports, qr, selectors, services
from .forms import (
    BookForm,
    CallbackForm,
    CounterForm,
    ForwardResultForm,
    ItemForm,
    ProofForm,
    RatingForm,
    ReasonForm,
    RecordForm,
    TemplateForm,
    TicketForm,
)
from .models import (
    Appointment,
    Category,
    Counter,
    ProofTemplate,
    QueueTicket,
    Rating,
    ServiceItem,
    ServiceRecord,
)

# --- helpers -------------------------------------------------------------------------------------


def _community_or_404(user, pk, roles=WORKER_ROLES) -> OrgUnit:
    unit = selectors.staff_communities(user, roles).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _my_community(request, roles=WORKER_ROLES) -> OrgUnit:
    units = list(selectors.staff_communities(request.user, roles)[:20])
    if not units:
        raise Http404
    wanted = request.GET.get("unit") or request.POST.get("unit")
    for unit in units:
        if str(unit.pk) == wanted:
            return unit
    return units[0]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _resident_in_scope(user, pk):
    if not pk:
        return None
    resident = registry_selectors.resident_list(user=user).filter(pk=pk).first()
    if resident is None:
        raise ApplicationError(_("Choose a resident from the registry."), field="resident")
    return resident


def _resident_from(request, form):
    """The resident picked in the registry search, or found by scanning their check-in card."""
    token = (form.cleaned_data.get("card") or "").strip()
    if token:
        resident = registry_selectors.card_resolve(token)
        if (
            resident is None
            or not registry_selectors.resident_list(user=request.user).filter(pk=resident.pk).exists()
        ):
            raise ApplicationError(_("This check-in card is not valid."), field="card")
        return resident
    return _resident_in_scope(request.user, form.cleaned_data.get("resident"))


# --- catalogue (public) --------------------------------------------------------------------------


def catalogue_home(request):
    community = selectors.community_for(request.user)
    if community is not None and community.service_items.filter(is_active=True).exists():
        return redirect("servicedesk:catalogue", unit_id=community.pk)
    return render(request, "servicedesk/catalogue_home.html", {"communities": selectors.public_communities()})


def catalogue(request, unit_id: int):
    community = get_object_or_404(selectors.public_communities(), pk=unit_id)
    category = request.GET.get("category") or None
    if category not in Category.values:
        category = None
    q = request.GET.get("q", "").strip()[:50]
    items = list(selectors.catalogue(community=community, category=category, q=q))
    return render(
        request,
        "servicedesk/catalogue.html",
        {
            "community": community,
            "groups": selectors.catalogue_grouped(items),
            "categories": Category.choices,
            "category": category,
            "q": q,
            "can_book": request.user.is_authenticated
            and request.user.has_perm("servicedesk.book_appointment"),
        },
    )


def item_detail(request, pk: int):
    item = get_object_or_404(
        ServiceItem.objects.select_related("org_unit", "forward_partner", "forward_unit"),
        pk=pk,
        is_active=True,
    )
    return render(
        request,
        "servicedesk/item_detail.html",
        {
            "item": item,
            "can_book": request.user.is_authenticated
            and request.user.has_perm("servicedesk.book_appointment"),
        },
    )


# --- catalogue management ------------------------------------------------------------------------


@permission_required("servicedesk.manage_catalogue", raise_exception=True)
def item_list(request):
    items = selectors.item_list(user=request.user, roles=selectors.MANAGERS)
    return render(request, "servicedesk/item_list.html", {"page": paginate(request, items)})


@permission_required("servicedesk.manage_catalogue", raise_exception=True)
def item_edit(request, pk: int | None = None):
    if pk is None:
        item = None
        community = _my_community(request, selectors.MANAGERS)
    else:
        item = get_object_or_404(selectors.item_list(user=request.user, roles=selectors.MANAGERS), pk=pk)
        community = item.org_unit
    form = ItemForm(request.POST or None, instance=item, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(actor=request.user, org_unit=community, item=item, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The service catalogue was saved."))
            return redirect("servicedesk:item_list")
    title = _("Edit service") if item else _("New service")
    return render(
        request,
        "servicedesk/form.html",
        {"form": form, "title": title, "back": reverse("servicedesk:item_list")},
    )


# --- appointments (resident) ---------------------------------------------------------------------


@permission_required("servicedesk.book_appointment", raise_exception=True)
def book(request, item_pk: int):
    resident = registry_selectors.resident_of_user(request.user)
    if resident is None:
        raise PermissionDenied
    item = get_object_or_404(
        ServiceItem.objects.select_related("org_unit"),
        pk=item_pk,
        is_active=True,
    )
    if not item.org_unit.contains(resident.org_unit):
        raise Http404
    today = timezone.localdate()
    try:
        day = datetime.date.fromisoformat(request.GET.get("date") or request.POST.get("date") or "")
    except ValueError:
        day = today + datetime.timedelta(days=1)
    day = min(max(day, today), today + datetime.timedelta(days=30))
    form = BookForm(request.POST or None, initial={"date": day})
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_book(
                actor=request.user,
                resident=resident,
                item=item,
                date=form.cleaned_data["date"],
                slot_start=form.cleaned_data["slot_start"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("Booked: %(item)s on %(date)s at %(time)s, counter %(counter)s.")
                % {
                    "item": item.title,
                    "date": appointment.date,
                    "time": f"{appointment.slot_start:%H:%M}",
                    "counter": appointment.counter.number,
                },
            )
            return redirect("servicedesk:my")
    days = [today + datetime.timedelta(days=i) for i in range(0, 8)]
    return render(
        request,
        "servicedesk/book.html",
        {
            "item": item,
            "form": form,
            "day": day,
            "days": days,
            "slots": selectors.slot_availability(item=item, date=day),
        },
    )


@login_required
def my(request):
    resident = registry_selectors.resident_of_user(request.user)
    if resident is None:
        raise Http404
    community = resident.household.org_unit.parent
    return render(
        request,
        "servicedesk/my.html",
        {
            "appointments": selectors.appointments_of_resident(resident)[:20],
            "records": selectors.records_of_resident(resident).order_by("-started_at")[:20],
            "tickets": selectors.tickets_of_resident(resident),
            "items": selectors.catalogue(community=community) if community else [],
        },
    )


@require_POST
@permission_required("servicedesk.book_appointment", raise_exception=True)
def take_number(request):
    """A signed-in resident takes today's queue number on their phone; it carries their name, so
    the counter sees who is coming and one active number per service holds."""
    resident = registry_selectors.resident_of_user(request.user)
    if resident is None:
        raise PermissionDenied
    item = ServiceItem.objects.filter(pk=_int(request.POST.get("item")), is_active=True).first()
    if item is None or not item.org_unit.contains(resident.org_unit):
        messages.error(request, _("Choose a service."))
        return redirect("servicedesk:my")
    try:
        ticket = services.ticket_issue(
            actor=request.user, item=item, resident=resident, source=QueueTicket.Source.PHONE
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your number is %(code)s for %(item)s. Please come to the service centre today.")
            % {"code": ticket.code, "item": item.title},
        )
    return redirect("servicedesk:my")


@require_POST
@login_required
def appointment_cancel(request, pk: int):
    resident = registry_selectors.resident_of_user(request.user)
    appointment = get_object_or_404(Appointment, pk=pk, resident=resident) if resident else None
    if appointment is None:
        raise Http404
    try:
        services.appointment_cancel(actor=request.user, appointment=appointment)
        messages.success(request, _("The appointment was cancelled."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("servicedesk:my")


@require_POST
@login_required
def rate_mine(request, pk: int):
    # Only the resident's own record exists for them: someone else's is a 404 whatever the form
    # holds (checking the form first would tell a stranger which record numbers exist).
    record = get_object_or_404(ServiceRecord, pk=pk, resident__user=request.user)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rating_submit(
                record=record,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                via=Rating.Via.APP,
                user=request.user,
            )
            messages.success(request, _("Thank you for your rating."))
        except ApplicationError as exc:
            if exc.code == "not_yours":
                raise Http404 from exc
            messages.error(request, exc.message)
    return redirect("servicedesk:my")


# --- staff hub, appointments, queue --------------------------------------------------------------


@permission_required("servicedesk.serve", raise_exception=True)
def desk(request):
    community = _my_community(request)
    return render(
        request,
        "servicedesk/desk.html",
        {
            "community": community,
            "counters": Counter.objects.filter(org_unit=community, is_active=True),
            "counts": selectors.home_counts(user=request.user),
            "appointments": selectors.appointment_list(user=request.user, day=timezone.localdate()).filter(
                org_unit=community
            ),
        },
    )


@require_POST
@permission_required("servicedesk.serve", raise_exception=True)
def appointment_check_in(request, pk: int):
    appointment = get_object_or_404(selectors.appointment_list(user=request.user), pk=pk)
    try:
        ticket = services.appointment_check_in(actor=request.user, appointment=appointment)
        messages.success(request, _("Checked in: number %(code)s.") % {"code": ticket.code})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("servicedesk:desk")


@permission_required("servicedesk.serve", raise_exception=True)
def queue(request):
    community = _my_community(request)
    items = ServiceItem.objects.filter(org_unit=community, is_active=True)
    form = TicketForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_issue(
                actor=request.user,
                item=form.cleaned_data["item"],
                resident=_resident_from(request, form),
                source=QueueTicket.Source.STAFF,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Number %(code)s issued.") % {"code": ticket.code})
            return redirect(f"{reverse('servicedesk:queue')}?unit={community.pk}")
    return render(
        request,
        "servicedesk/queue.html",
        {
            "community": community,
            "form": form,
            "tickets": selectors.tickets_today(community=community).order_by("number"),
        },
    )


@permission_required("servicedesk.serve", raise_exception=True)
@limit("servicedesk-kiosk", per_user=60)
def kiosk(request, unit_id: int):
    """The tablet at the entrance: residents tap a service and take a number. The number is
    anonymous unless the resident types their mobile number: then it is linked to their registry
    record (one active number per resident and service), and only the masked name is shown."""
    community = _community_or_404(request.user, unit_id)
    ticket = None
    error = None
    phone = ""
    if request.method == "POST":
        phone = "".join(ch for ch in request.POST.get("phone", "") if ch.isdigit())[:11]
        item = ServiceItem.objects.filter(
            org_unit=community, is_active=True, pk=request.POST.get("item")
        ).first()
        resident = None
        if item is None:
            error = _("Choose a service.")
        elif phone:
            resident = registry_selectors.resident_by_phone(org_unit=community, phone=phone)
            if resident is None:
                error = _(
                    "No resident of this community is registered with this mobile number. "
                    "Clear it to take a number without your name, or ask at the counter."
                )
        if error is None:
            try:
                ticket = services.ticket_issue(
                    actor=request.user, item=item, resident=resident, source=QueueTicket.Source.KIOSK
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                phone = ""
    items = list(selectors.catalogue(community=community))
    waiting = QueueTicket.objects.filter(
        org_unit=community, day=timezone.localdate(), status=QueueTicket.Status.WAITING
    ).count()
    return render(
        request,
        "servicedesk/kiosk.html",
        {
            "community": community,
            "groups": selectors.catalogue_grouped(items),
            "ticket": ticket,
            "error": error,
            "waiting": waiting,
            "phone": phone,
            "masked_name": mask_name(ticket.resident.name) if ticket and ticket.resident else "",
        },
    )


@permission_required("servicedesk.serve", raise_exception=True)
def caller(request, pk: int):
    counter = get_object_or_404(selectors.counter_list(user=request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        current = selectors.counter_current(counter)
        try:
            if action == "next":
                if current is not None and current.status == QueueTicket.Status.SERVING:
                    raise ApplicationError(_("Finish the number being served first."), code="busy")
                if services.ticket_call_next(actor=request.user, counter=counter) is None:
                    messages.info(request, _("Nobody is waiting."))
            elif current is not None and action == "recall":
                services.ticket_recall(actor=request.user, ticket=current)
            elif current is not None and action == "skip":
                services.ticket_skip(actor=request.user, ticket=current)
            elif current is not None and action == "start":
                services.ticket_start(actor=request.user, ticket=current)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        if not request.headers.get("HX-Request"):
            return redirect("servicedesk:caller", pk=counter.pk)
    context = {
        "counter": counter,
        "current": selectors.counter_current(counter),
        "waiting": selectors.counter_waiting(counter),
    }
    template = (
        "servicedesk/partials/caller_panel.html"
        if request.headers.get("HX-Request")
        else "servicedesk/caller.html"
    )
    return render(request, template, context)


def display(request, unit_id: int):
    """The waiting-room screen: public, numbers and counters only."""
    community = get_object_or_404(OrgUnit, pk=unit_id, kind=OrgUnit.Kind.COMMUNITY, is_active=True)
    context = {"community": community, **selectors.display_board(community=community)}
    if request.headers.get("HX-Request") or request.GET.get("partial"):
        return render(request, "servicedesk/partials/board.html", context)
    return render(request, "servicedesk/display.html", context)


# --- service records -----------------------------------------------------------------------------


@permission_required("servicedesk.view_records", raise_exception=True)
def record_list(request):
    qs = selectors.record_list(user=request.user)
    outcome = request.GET.get("outcome")
    if outcome in ServiceRecord.Outcome.values:
        qs = qs.filter(outcome=outcome)
    channel = request.GET.get("channel")
    if channel in ServiceRecord.Channel.values:
        qs = qs.filter(channel=channel)
    return render(
        request,
        "servicedesk/record_list.html",
        {
            "page": paginate(request, qs),
            "qs": querystring_without_page(request),
            "outcomes": ServiceRecord.Outcome.choices,
            "channels": ServiceRecord.Channel.choices,
            "outcome": outcome,
            "channel": channel,
            "can_serve": request.user.has_perm("servicedesk.serve"),
        },
    )


@permission_required("servicedesk.view_records", raise_exception=True)
def forwarded(request):
    return render(
        request,
        "servicedesk/forwarded.html",
        {"page": paginate(request, selectors.forwarded_open(user=request.user)), "now": timezone.now()},
    )


@permission_required("servicedesk.serve", raise_exception=True)
def record_create(request):
    communities = list(selectors.staff_communities(request.user))
    if not communities:
        raise Http404
    items = selectors.item_list(user=request.user).filter(is_active=True)
    stations = GridStation.objects.filter(org_unit__parent__in=communities, is_active=True)
    ticket = None
    if request.GET.get("ticket") or request.POST.get("ticket"):
        ticket = get_object_or_404(
            QueueTicket.objects.filter(org_unit__in=communities).select_related("item", "resident"),
            pk=request.GET.get("ticket") or request.POST.get("ticket"),
        )
    initial = {}
    if ticket is not None:
        initial = {"item": ticket.item_id, "resident": ticket.resident_id}
        if ticket.started_at:
            initial["started_at"] = timezone.localtime(ticket.started_at).strftime("%Y-%m-%dT%H:%M")
    form = RecordForm(
        request.POST or None, items=items, stations=stations, communities=communities, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.record_create(
                actor=request.user,
                item=data["item"],
                channel=data["channel"],
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                outcome=data["outcome"],
                resident=_resident_from(request, form),
                visitor_name=data["visitor_name"],
                station=data["station"],
                ticket=ticket,
                missing_materials=data["missing_materials"],
                refusal_reason=data["refusal_reason"],
                notes=data["notes"],
                forward_partner=data["forward_partner"],
                forward_unit=data["forward_unit"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The service was recorded."))
            return redirect("servicedesk:record_detail", pk=record.pk)
    picked = None
    if form["resident"].value():
        picked = (
            registry_selectors.resident_list(user=request.user).filter(pk=form["resident"].value()).first()
        )
    return render(request, "servicedesk/record_form.html", {"form": form, "ticket": ticket, "picked": picked})


@permission_required("servicedesk.serve", raise_exception=True)
def resident_search(request):
    """htmx: residents of the registry matching a name or the last four digits of the ID."""
    q = request.GET.get("q", "").strip()[:30]
    found = []
    if len(q) >= 1:
        qs = registry_selectors.resident_list(user=request.user).filter(status="living")
        found = list((qs.filter(document_last4=q) if q.isdigit() else qs.filter(name__icontains=q))[:10])
    return render(request, "servicedesk/partials/resident_results.html", {"found": found, "q": q})


@permission_required("servicedesk.view_records", raise_exception=True)
def record_detail(request, pk: int):
    record = get_object_or_404(selectors.record_list(user=request.user), pk=pk)
    form = ForwardResultForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("servicedesk.serve", record):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.record_forward_result(
                    actor=request.user, record=record, result=form.cleaned_data["result"]
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The result was recorded and the resident told."))
                return redirect("servicedesk:record_detail", pk=record.pk)
    return render(
        request,
        "servicedesk/record_detail.html",
        {
            "record": record,
            "form": form,
            "transitions": record.transitions.select_related("actor"),
            "can_serve": request.user.has_perm("servicedesk.serve", record),
            "proofs": record.proofs.all(),
        },
    )


@permission_required("servicedesk.view_records", raise_exception=True)
def record_receipt(request, pk: int):
    record = get_object_or_404(selectors.record_list(user=request.user), pk=pk)
    url = request.build_absolute_uri(reverse("servicedesk:rate", args=[record.rating_token]))
    return render(request, "servicedesk/receipt.html", {"record": record, "qr": qr.svg(url), "rate_url": url})


# --- ratings (tablet or QR; the token proves the service) ----------------------------------------


@limit("servicedesk-rate", per_ip=30)
def rate(request, token: str):
    record = get_object_or_404(ServiceRecord.objects.select_related("item", "org_unit"), rating_token=token)
    form = RatingForm(request.POST or None)
    done = Rating.objects.filter(record=record).exists()
    if request.method == "POST" and form.is_valid() and not done:
        via = (
            Rating.Via.TABLET
            if request.user.is_authenticated and request.user.has_perm("servicedesk.serve")
            else Rating.Via.QR
        )
        try:
            services.rating_submit(
                record=record, level=form.cleaned_data["level"], reason=form.cleaned_data["reason"], via=via
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            done = True
    return render(
        request,
        "servicedesk/rate.html",
        {"record": record, "form": form, "done": done, "levels": Rating.Level.choices},
    )


@permission_required("servicedesk.call_back", raise_exception=True)
def callbacks(request):
    if request.method == "POST":
        rating = get_object_or_404(selectors.callback_list(user=request.user), pk=request.POST.get("rating"))
        form = CallbackForm(request.POST)
        if form.is_valid():
            try:
                services.rating_callback(actor=request.user, rating=rating, note=form.cleaned_data["note"])
                messages.success(request, _("The call-back was recorded."))
            except ApplicationError as exc:
                messages.error(request, exc.message)
        else:
            messages.error(request, _("Write what the resident said on the call."))
        return redirect("servicedesk:callbacks")
    return render(
        request,
        "servicedesk/callbacks.html",
        {"page": paginate(request, selectors.callback_list(user=request.user))},
    )


# --- proofs --------------------------------------------------------------------------------------


@permission_required("servicedesk.view_records", raise_exception=True)
def proof_list(request):
    return render(
        request,
        "servicedesk/proof_list.html",
        {
            "page": paginate(request, selectors.proof_list(user=request.user)),
            "can_serve": request.user.has_perm("servicedesk.serve"),
        },
    )


@permission_required("servicedesk.serve", raise_exception=True)
def proof_issue(request):
    form = ProofForm(
        request.POST or None,
        templates=selectors.template_list(user=request.user),
        initial={"resident": request.GET.get("resident")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            resident = _resident_in_scope(request.user, form.cleaned_data["resident"])
            proof = services.proof_issue(
                actor=request.user,
                template=form.cleaned_data["template"],
                resident=resident,
                purpose=form.cleaned_data["purpose"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            return redirect("servicedesk:proof_print", pk=proof.pk)
    picked = None
    if form["resident"].value():
        picked = (
            registry_selectors.resident_list(user=request.user).filter(pk=form["resident"].value()).first()
        )
    return render(request, "servicedesk/proof_form.html", {"form": form, "picked": picked})


@permission_required("servicedesk.view_records", raise_exception=True)
def proof_print(request, pk: int):
    proof = get_object_or_404(selectors.proof_list(user=request.user).select_related("org_unit"), pk=pk)
    audit.record_access(actor=request.user, obj=proof, what="proof")
    url = request.build_absolute_uri(reverse("servicedesk:verify_code", args=[proof.verification_code]))
    return render(
        request, "servicedesk/proof_print.html", {"proof": proof, "qr": qr.svg(url), "verify_url": url}
    )


@require_POST
@permission_required("servicedesk.view_records", raise_exception=True)
def proof_revoke(request, pk: int):
    proof = get_object_or_404(selectors.proof_list(user=request.user), pk=pk)
    if not request.user.has_perm("servicedesk.revoke_proof", proof):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why the proof is revoked."))
    else:
        try:
            services.proof_revoke(actor=request.user, proof=proof, reason=form.cleaned_data["reason"])
            messages.success(request, _("The proof was revoked."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return redirect("servicedesk:proof_list")


@limit("servicedesk-verify", per_ip=30, methods=("GET", "POST"))
def verify(request, code: str = ""):
    code = code or request.GET.get("code", "")
    proof = selectors.proof_verify(code) if code else None
    return render(request, "servicedesk/verify.html", {"code": code, "proof": proof, "checked": bool(code)})


# --- statistics ----------------------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), timezone.localdate().year)


@permission_required("servicedesk.view_statistics", raise_exception=True)
def stats(request):
    year = _year(request)
    data = selectors.statistics_for(user=request.user, year=year)
    chart = {
        "months": [str(m) for m in data["months"]],
        "this": data["by_month"],
        "last": data["by_month_last"],
        "year": str(year),
        "last_year": str(year - 1),
        "categories": [[str(label), total] for label, _v, total in data["by_category"]],
    }
    return render(
        request,
        "servicedesk/stats.html",
        {"s": data, "chart_json": json.dumps(chart, ensure_ascii=False), "years": [year - 1, year]},
    )


@permission_required("servicedesk.view_statistics", raise_exception=True)
def stats_export(request):
    year = _year(request)
    data = selectors.statistics_for(user=request.user, year=year)
    audit.record(actor=request.user, action="servicedesk.stats_export", kind="export", detail={"year": year})
    response = HttpResponse(
        exports.statistics_xlsx(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="servicedesk-{year}.xlsx"'
    return response


# --- proof templates and counters (managers) -----------------------------------------------------


@permission_required("servicedesk.manage_catalogue", raise_exception=True)
def setup(request):
    communities = selectors.staff_communities(request.user, selectors.MANAGERS)
    return render(
        request,
        "servicedesk/setup.html",
        {
            "templates": ProofTemplate.objects.filter(org_unit__in=communities).select_related("item"),
            "counters": Counter.objects.filter(org_unit__in=communities).prefetch_related("items"),
        },
    )


@permission_required("servicedesk.manage_catalogue", raise_exception=True)
def template_edit(request, pk: int | None = None):
    communities = selectors.staff_communities(request.user, selectors.MANAGERS)
    template = (
        get_object_or_404(ProofTemplate.objects.filter(org_unit__in=communities), pk=pk) if pk else None
    )
    community = template.org_unit if template else _my_community(request, selectors.MANAGERS)
    initial = (
        {f: getattr(template, f) for f in ("code", "title", "body", "item", "is_active")} if template else {}
    )
    form = TemplateForm(
        request.POST or None, items=ServiceItem.objects.filter(org_unit=community), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.template_save(
                actor=request.user, org_unit=community, template=template, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The proof template was saved."))
            return redirect("servicedesk:setup")
    title = _("Edit proof template") if template else _("New proof template")
    return render(
        request, "servicedesk/form.html", {"form": form, "title": title, "back": reverse("servicedesk:setup")}
    )


@permission_required("servicedesk.manage_catalogue", raise_exception=True)
def counter_edit(request, pk: int | None = None):
    communities = selectors.staff_communities(request.user, selectors.MANAGERS)
    counter = get_object_or_404(Counter.objects.filter(org_unit__in=communities), pk=pk) if pk else None
    community = counter.org_unit if counter else _my_community(request, selectors.MANAGERS)
    initial = (
        {f: getattr(counter, f) for f in ("number", "name", "slot_minutes", "slot_capacity", "is_active")}
        if counter
        else {}
    )
    if counter:
        initial["items"] = list(counter.items.values_list("pk", flat=True))
    items = ServiceItem.objects.filter(org_unit=community).order_by("sort_order", "code")
    form = CounterForm(request.POST or None, initial=initial, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            services.counter_save(
                actor=request.user, org_unit=community, counter=counter, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The counter was saved."))
            return redirect("servicedesk:setup")
    title = _("Edit counter") if counter else _("New counter")
    return render(
        request, "servicedesk/form.html", {"form": form, "title": title, "back": reverse("servicedesk:setup")}
    )
