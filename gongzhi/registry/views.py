import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.roles import READER_ROLES, WORKER_ROLES
from gongzhi.accounts.scoping import scope_q, visible_units
from gongzhi.core import audit
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AuditEntry, OrgUnit
from gongzhi.core.pagination import paginate, paginate_keys_first, querystring_without_page
from gongzhi.core.templatetags.gongzhi import row_url
from gongzhi.core.views import form_error

from . import imports, selectors, services
from .choices import SYSTEM_TAGS
from .forms import (
    CareTagForm,
    HouseholdForm,
    HouseholdMoveForm,
    ImportForm,
    ResidentFilterForm,
    ResidentForm,
    ResidentMoveForm,
    StatusForm,
)
from .models import Building, Household, ImportJob, Resident
from .rules import UNMASK_ROLES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _grids(user, roles=READER_ROLES):
    return visible_units(user, roles).filter(kind=OrgUnit.Kind.GRID).order_by("path")


def _resident(request, pk, *, edit=False) -> Resident:
    resident = selectors.resident_detail(user=request.user, pk=pk)
    if resident is None:
        raise Http404
    if edit and not request.user.has_perm("registry.change_resident", resident):
        raise Http404
    return resident


def _household(request, pk, *, edit=False) -> Household:
    household = selectors.household_detail(user=request.user, pk=pk)
    if household is None or (edit and not request.user.has_perm("registry.change_resident", household)):
        raise Http404
    return household


def _filters(request):
    """The filter form and its ResidentFilters, or None when the input is not valid (the page
    then shows the form's errors and no rows, the export refuses)."""
    form = ResidentFilterForm.for_user(request.GET, user=request.user)
    return form, (form.filters() if form.is_valid() else None)


def _list_rows(page) -> list[dict]:
    """What each row of the list shows, worked out once in Python: a template looks a name up in a
    dict at once, where on a model instance it first tries (and fails) an item lookup, and calls
    properties that read the time zone again per row; this was a third of the page's CPU."""
    today = timezone.localdate()
    status_labels = dict(Resident.Status.choices)
    relationships = dict(Resident.Relationship.choices)
    derived = [(code, name) for code, name, is_derived in SYSTEM_TAGS if is_derived]
    tags = selectors.care_tag_names(r.pk for r in page)
    rows = []
    for r in page:
        age = r.age_on(today)
        codes = set(r.derived_tags(today))
        rows.append(
            {
                "url": row_url("registry:resident_detail", r.pk),
                "name": r.name,
                "name_bo": r.name_bo,
                "status": "" if r.status == Resident.Status.LIVING else status_labels.get(r.status, r.status),
                "age": age,
                "address": r.household.address,
                "relationship": relationships.get(r.relationship_to_head, r.relationship_to_head),
                "grid": r.org_unit.name,
                "derived_tags": [_(name) for code, name in derived if code in codes],
                "care_tags": [_(name) for name in tags.get(r.pk, ())],
            }
        )
    return rows


def _list_page(request, form, page, *, status=200):
    return render(
        request,
        "registry/resident_list.html",
        {
            "form": form.choices_for_page(),
            "page": page,
            "rows": _list_rows(page),
            "qs": querystring_without_page(request),
            "today": timezone.localdate(),
            "can_import": request.user.has_perm("registry.import_residents"),
            "tag_form": CareTagForm() if request.user.has_perm("registry.manage_care_tags") else None,
        },
        status=status,
    )


@permission_required("registry.view_registry", raise_exception=True)
def resident_list(request):
    form, filters = _filters(request)
    if filters is None:
        return _list_page(request, form, paginate(request, Resident.objects.none()), status=400)
    return _list_page(
        request,
        form,
        paginate_keys_first(
            request, selectors.list_rows(selectors.resident_search(user=request.user, filters=filters))
        ),
    )


@permission_required("registry.export_residents", raise_exception=True)
def resident_export(request):
    """The filtered list as xlsx: numbers unmasked only where the user may unmask them."""
    form, filters = _filters(request)
    if filters is None:  # never "everything" in place of a filter that could not be read
        return _list_page(request, form, paginate(request, Resident.objects.none()), status=400)
    qs = selectors.resident_search(user=request.user, filters=filters)
    unmasked = request.user.has_perm("registry.unmask_resident")
    if unmasked:
        # Only rows the user may unmask; readers above the community get a masked export.
        unmask_scope = Resident.objects.filter(scope_q(request.user, UNMASK_ROLES)).values("pk")
        unmasked = not qs.exclude(pk__in=unmask_scope).exists()
    data, n = imports.export_workbook(qs, unmasked=unmasked)
    audit.record(
        actor=request.user,
        action="view:registry.export",
        kind=AuditEntry.Kind.ACCESS,
        object_type="registry.resident",
        detail={
            "rows": n,
            "unmasked": unmasked,
            "filters": {k: v for k, v in request.GET.items() if k != "page"},
        },
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="residents-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@permission_required("registry.view_registry", raise_exception=True)
def resident_detail(request, pk):
    resident = _resident(request, pk)
    user = request.user
    can_change = user.has_perm("registry.change_resident", resident)
    return render(
        request,
        "registry/resident_detail.html",
        {
            "r": resident,
            "today": timezone.localdate(),
            "history": selectors.resident_history(resident)[:50],
            "members": [m for m in resident.household.members.all() if m.pk != resident.pk],
            "can_change": can_change,
            "can_unmask": user.has_perm("registry.unmask_resident", resident),
            "card": selectors.card_active(resident),
        },
    )


@require_POST
@permission_required("registry.view_registry", raise_exception=True)
def resident_unmask(request, pk):
    resident = _resident(request, pk)
    if not request.user.has_perm("registry.unmask_resident", resident):
        raise Http404
    audit.record_access(actor=request.user, obj=resident, what="registry.resident.unmask")
    return render(request, "registry/partials/resident_ids.html", {"r": resident, "unmasked": True})


def _resident_form_initial(resident: Resident) -> dict:
    initial = {f: getattr(resident, f) for f in services.RESIDENT_FIELDS}
    initial["care_tags"] = list(resident.care_tags.all())
    return initial


@permission_required("registry.add_resident", raise_exception=True)
def resident_create(request, pk):
    household = _household(request, pk, edit=True)
    tags = selectors.care_tags_for(household.org_unit)
    form = ResidentForm(request.POST or None, tags=tags)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_create(actor=request.user, household=household, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
            existing = exc.extra.get("existing_url")
        else:
            messages.success(request, _("The resident was registered."))
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("New resident in %(address)s") % {"address": household.address},
         "existing": existing, "back": reverse("registry:household_detail", args=[pk])},
    )  # fmt: skip


@permission_required("registry.view_registry", raise_exception=True)
def resident_edit(request, pk):
    resident = _resident(request, pk, edit=True)
    form = ResidentForm(
        request.POST or None,
        initial=_resident_form_initial(resident),
        tags=selectors.care_tags_for(resident.org_unit),
    )
    existing = None
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        if "document_number" in data or "phone" in data:
            # The form shows masked numbers; an unchanged masked value is not a new number.
            for key in ("document_number", "phone"):
                if key in data and "*" in (data[key] or ""):
                    data.pop(key)
        try:
            services.resident_update(actor=request.user, resident=resident, **data)
        except ApplicationError as exc:
            form_error(form, exc)
            existing = exc.extra.get("existing_url")
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": resident.name}, "existing": existing,
         "back": reverse("registry:resident_detail", args=[pk])},
    )  # fmt: skip


@permission_required("registry.view_registry", raise_exception=True)
def resident_move(request, pk):
    resident = _resident(request, pk, edit=True)
    form = ResidentMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = (
            selectors.editable_households(user=request.user).filter(pk=form.cleaned_data["household"]).first()
        )
        if target is None:
            form.add_error("household", _("No household with this number in your area."))
        else:
            try:
                services.resident_move(
                    actor=request.user,
                    resident=resident,
                    household=target,
                    relationship_to_head=form.cleaned_data["relationship_to_head"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request, _("The resident now lives in %(address)s.") % {"address": target.address}
                )
                return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("Move %(name)s to another household") % {"name": resident.name},
         "back": reverse("registry:resident_detail", args=[pk])},
    )  # fmt: skip


STATUS_ACTIONS = {
    "moved_out": (services.resident_move_out, Resident.Status.MOVED_OUT.label),
    "deceased": (services.resident_record_death, Resident.Status.DECEASED.label),
    "living": (services.resident_move_back, Resident.Status.LIVING.label),
}


@permission_required("registry.view_registry", raise_exception=True)
def resident_status(request, pk):
    resident = _resident(request, pk, edit=True)
    allowed = services.STATUS_TRANSITIONS[Resident.Status(resident.status)]
    choices = [(s, Resident.Status(s).label) for s in STATUS_ACTIONS if s in allowed]
    if not choices:
        raise Http404
    form = StatusForm(request.POST or None, choices=choices, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        service = STATUS_ACTIONS[form.cleaned_data["status"]][0]
        try:
            service(
                actor=request.user,
                resident=resident,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The record was updated; nothing was deleted."))
            return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("Move-out or death of %(name)s") % {"name": resident.name},
         "back": reverse("registry:resident_detail", args=[pk])},
    )  # fmt: skip


# --- households ---------------------------------------------------------------------------------


@permission_required("registry.view_registry", raise_exception=True)
def household_list(request):
    q = request.GET.get("q", "").strip()
    grid = request.GET.get("grid", "")
    building = request.GET.get("building", "")
    page = paginate(
        request,
        selectors.household_search(
            user=request.user,
            q=q,
            grid=int(grid) if grid.isdigit() else None,
            building=int(building) if building.isdigit() else None,
        ),
    )
    return render(
        request,
        "registry/household_list.html",
        {
            "page": page,
            "q": q,
            "grid": grid,
            "grids": _grids(request.user),
            "building": building,
            "buildings": Building.objects.filter(scope_q(request.user, READER_ROLES)).order_by("name"),
            "qs": querystring_without_page(request),
            "can_add": request.user.has_perm("registry.add_resident"),
        },
    )


@permission_required("registry.view_registry", raise_exception=True)
def household_detail(request, pk):
    household = _household(request, pk)
    return render(
        request,
        "registry/household_detail.html",
        {
            "h": household,
            "members": household.members.all(),
            "history": selectors.household_history(household)[:50],
            "today": timezone.localdate(),
            "can_change": request.user.has_perm("registry.change_resident", household),
        },
    )


@permission_required("registry.add_resident", raise_exception=True)
def household_create(request):
    grids = _grids(request.user, WORKER_ROLES)
    form = HouseholdForm(
        request.POST or None,
        grids=grids,
        buildings=Building.objects.filter(scope_q(request.user, WORKER_ROLES)).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The household was registered. Now add its members."))
            return redirect("registry:resident_create", pk=household.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("New household"), "back": reverse("registry:household_list")},
    )


@permission_required("registry.view_registry", raise_exception=True)
def household_move(request, pk):
    household = _household(request, pk, edit=True)
    form = HouseholdMoveForm(request.POST or None, grids=_grids(request.user, WORKER_ROLES))
    if request.method == "POST" and form.is_valid():
        try:
            services.household_move(actor=request.user, **form.cleaned_data, household=household)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The household was moved."))
            return redirect("registry:household_detail", pk=household.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("Move the household %(address)s to another grid") % {"address": household.address},
         "back": reverse("registry:household_detail", args=[pk])},
    )  # fmt: skip


@require_POST
@permission_required("registry.manage_care_tags", raise_exception=True)
def care_tag_create(request):
    form = CareTagForm(request.POST)
    units = visible_units(request.user, UNMASK_ROLES).filter(kind=OrgUnit.Kind.COMMUNITY)
    unit = units.first()
    if form.is_valid() and unit is not None:
        try:
            services.care_tag_create(actor=request.user, org_unit=unit, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The care tag was added."))
    return redirect(request.POST.get("next") or "registry:resident_list")


# --- check-in cards -------------------------------------------------------------------------------


def _qr_svg(token: str) -> str:
    # The QR code holds only the opaque token, never a name or number.
    return segno.make(token, error="m").svg_inline(scale=6, border=2)


@login_required
def my_card(request):
    resident = selectors.resident_of_user(request.user)
    if resident is None or resident.status != Resident.Status.LIVING:
        raise Http404
    if request.method == "POST":
        services.card_issue(actor=request.user, resident=resident)
        messages.success(request, _("Your new card is ready; an earlier card no longer works."))
        return redirect("registry:my_card")
    card = selectors.card_active(resident)
    return render(
        request,
        "registry/card.html",
        {"r": resident, "card": card, "qr": _qr_svg(card.token) if card else None, "own": True},
    )


@permission_required("registry.view_registry", raise_exception=True)
def card_print(request, pk):
    resident = _resident(request, pk)
    if not request.user.has_perm("registry.print_card", resident):
        raise Http404
    if request.method == "POST":
        if resident.status != Resident.Status.LIVING:
            raise Http404
        services.card_issue(actor=request.user, resident=resident)
        messages.success(request, _("A new card was issued; an earlier card no longer works."))
        return redirect("registry:card_print", pk=pk)
    card = selectors.card_active(resident)
    return render(
        request,
        "registry/card.html",
        {"r": resident, "card": card, "qr": _qr_svg(card.token) if card else None, "own": False},
    )


# --- import -----------------------------------------------------------------------------------------


@permission_required("registry.import_residents", raise_exception=True)
def import_start(request):
    units = (
        visible_units(request.user, WORKER_ROLES)
        .filter(kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY])
        .order_by("path")
    )
    form = ImportForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(
                actor=request.user,
                file=form.cleaned_data["file"],
                org_unit=form.cleaned_data["org_unit"],
                mode=form.cleaned_data["mode"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
            if "job_id" in exc.extra:
                return redirect("registry:import_detail", pk=exc.extra["job_id"])
        else:
            return redirect("registry:import_detail", pk=job.pk)
    return render(
        request,
        "registry/import.html",
        {"form": form, "jobs": selectors.import_jobs(user=request.user)[:10], "columns": imports.COLUMNS},
    )


def _job(request, pk) -> ImportJob:
    job = selectors.import_jobs(user=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@permission_required("registry.import_residents", raise_exception=True)
def import_detail(request, pk):
    job = _job(request, pk)
    return render(request, "registry/import_detail.html", {"job": job, "errors": job.errors[:200]})


@permission_required("registry.import_residents", raise_exception=True)
def import_progress(request, pk):
    job = _job(request, pk)
    return render(request, "registry/partials/import_progress.html", {"job": job, "errors": job.errors[:200]})


@permission_required("registry.import_residents", raise_exception=True)
def import_errors_file(request, pk):
    job = _job(request, pk)
    if not job.errors:
        raise Http404
    response = HttpResponse(imports.errors_workbook(job), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.xlsx"'
    return response


@permission_required("registry.import_residents", raise_exception=True)
def import_template(request):
    response = HttpResponse(imports.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="residents-template.xlsx"'
    return response
