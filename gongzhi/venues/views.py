import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.accounts.scoping import communities_of
from gongzhi.core.errors import ApplicationError
from gongzhi.core.pagination import paginate, querystring_without_page
from gongzhi.core.uploads import upload_store
from gongzhi.core.views import form_error

from . import selectors, services
from .forms import ClosedDayForm, RoomForm, room_initial
from .models import Booking
from .rules import MANAGERS


def _monday(request) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


def _room_or_404(request, pk):
    room = selectors.room_get(user=request.user, pk=pk)
    if room is None:
        raise Http404
    return room


@permission_required("venues.view_rooms", raise_exception=True)
def room_list(request):
    return render(
        request,
        "venues/room_list.html",
        {
            "rooms": selectors.room_list(user=request.user),
            "can_manage": request.user.has_perm("venues.manage_rooms"),
        },
    )


def _week_context(request, room):
    monday = _monday(request)
    return {
        "room": room,
        "days": selectors.week_grid(room, monday),
        "monday": monday,
        "prev_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "can_book": services.booker_kind(request.user, room) is not None,
    }


@permission_required("venues.view_rooms", raise_exception=True)
def room_detail(request, pk):
    room = _room_or_404(request, pk)
    context = _week_context(request, room)
    context["can_manage"] = request.user.has_perm("venues.manage_room", room)
    return render(request, "venues/room_detail.html", context)


@permission_required("venues.view_rooms", raise_exception=True)
def room_week(request, pk):
    """The week view alone, swapped in by htmx when the user moves between weeks."""
    room = _room_or_404(request, pk)
    return render(request, "venues/partials/week.html", _week_context(request, room))


@permission_required("venues.manage_rooms", raise_exception=True)
def room_edit(request, pk=None):
    room = None
    if pk is not None:
        room = _room_or_404(request, pk)
        if not request.user.has_perm("venues.manage_room", room):
            raise Http404
    form = RoomForm(request.POST or None, request.FILES or None, initial=room_initial(room) if room else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        hours = data.pop("hours")
        photo_file = data.pop("photo")
        for key in [k for k in data if k.startswith("hours_")]:
            data.pop(key)
        try:
            community = room.org_unit if room else communities_of(request.user, MANAGERS).first()
            if community is None:
                raise Http404
            if photo_file:
                data["photo"] = upload_store(
                    actor=request.user,
                    file=photo_file,
                    org_unit=community,
                    purpose="venues.room",
                    images_only=True,
                )
            if room is None:
                room = services.room_create(actor=request.user, org_unit=community, hours=hours, **data)
            else:
                services.room_update(actor=request.user, room=room, hours=hours, **data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("venues:room_detail", pk=room.pk)
    title = _("Edit room") if room else _("New room")
    return render(
        request, "core/form.html", {"form": form, "title": title, "back": reverse("venues:room_list")}
    )


@permission_required("venues.book_rooms", raise_exception=True)
def booking_new(request, pk):
    room = _room_or_404(request, pk)
    if services.booker_kind(request.user, room) is None:
        raise Http404
    from .forms import BookingForm

    initial = {"weeks": 1, "headcount": 1}
    try:
        start = datetime.datetime.fromisoformat(request.GET.get("start", ""))
        start = timezone.localtime(start) if timezone.is_aware(start) else start
        initial.update(
            date=start.date(), start_time=start.time(), end_time=(start + datetime.timedelta(hours=1)).time()
        )
    except ValueError:
        pass
    form = BookingForm(request.POST or None, initial=initial)
    results = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        start = timezone.make_aware(datetime.datetime.combine(d["date"], d["start_time"]))
        end = timezone.make_aware(datetime.datetime.combine(d["date"], d["end_time"]))
        try:
            if d["weeks"] == 1:
                booking = services.booking_create(
                    actor=request.user,
                    room=room,
                    start=start,
                    end=end,
                    purpose=d["purpose"],
                    headcount=d["headcount"],
                )
            else:
                results = services.booking_create_weekly(
                    actor=request.user,
                    room=room,
                    start=start,
                    end=end,
                    weeks=d["weeks"],
                    purpose=d["purpose"],
                    headcount=d["headcount"],
                )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if results is None:
                if booking.status == Booking.Status.PENDING:
                    messages.success(request, _("Your request was sent; staff will approve it."))
                else:
                    messages.success(request, _("The room is booked."))
                return redirect("venues:my_bookings")
    return render(request, "venues/booking_form.html", {"room": room, "form": form, "results": results})


@permission_required("venues.view_bookings", raise_exception=True)
def booking_list(request):
    status = request.GET.get("status") or ""
    if status not in Booking.Status.values:
        status = ""
    room_id = request.GET.get("room") or None
    qs = selectors.booking_list(
        user=request.user,
        status=status or None,
        room_id=room_id if (room_id or "").isdigit() else None,
        upcoming=request.GET.get("all") != "1",
    )
    return render(
        request,
        "venues/booking_list.html",
        {
            "page": paginate(request, qs),
            "qs": querystring_without_page(request),
            "status": status,
            "statuses": Booking.Status.choices,
            "rooms": selectors.room_list(user=request.user),
            "room_id": room_id,
            "now": timezone.now(),
        },
    )


@require_POST
@login_required
def booking_action(request, pk, action):
    booking = selectors.visible_booking(user=request.user, pk=pk)
    if booking is None or action not in ("approve", "reject", "cancel", "no_show"):
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            services.booking_approve(actor=request.user, booking=booking)
        elif action == "reject":
            services.booking_reject(actor=request.user, booking=booking, reason=reason)
        elif action == "cancel":
            services.booking_cancel(actor=request.user, booking=booking, reason=reason)
        else:
            services.booking_mark_no_show(actor=request.user, booking=booking)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Saved."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else "venues:my_bookings")


@permission_required("venues.view_own_bookings", raise_exception=True)
def my_bookings(request):
    page = paginate(request, selectors.my_bookings(user=request.user))
    return render(
        request,
        "venues/my_bookings.html",
        {"page": page, "qs": querystring_without_page(request), "now": timezone.now()},
    )


@permission_required("venues.manage_rooms", raise_exception=True)
def closedday_list(request):
    rooms = selectors.room_list(user=request.user)
    form = ClosedDayForm(request.POST or None, rooms=rooms)
    if request.method == "POST" and form.is_valid():
        community = communities_of(request.user, MANAGERS).first()
        d = form.cleaned_data
        try:
            services.closedday_create(
                actor=request.user,
                org_unit=d["room"].org_unit if d["room"] else community,
                date=d["date"],
                note=d["note"],
                room=d["room"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("venues:closedday_list")
    days = selectors.closed_days(user=request.user, since=timezone.localdate())
    return render(request, "venues/closedday_list.html", {"form": form, "days": days})
