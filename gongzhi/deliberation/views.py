from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.core.errors import ApplicationError
from gongzhi.core.pagination import paginate, querystring_without_page

from . import selectors, services
from .models import Topic


@permission_required("deliberation.view_topics", raise_exception=True)
def topic_list(request):
    status = request.GET.get("status") or None
    if status not in Topic.Status.values:
        status = None
    page = paginate(request, selectors.topic_list(user=request.user, status=status))
    return render(
        request,
        "deliberation/topic_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Topic.Status.choices,
            "qs": querystring_without_page(request),
        },
    )


def _get(request, pk):
    try:
        return selectors.topic_get(user=request.user, pk=pk)
    except Topic.DoesNotExist as exc:
        raise Http404 from exc


@permission_required("deliberation.view_topics", raise_exception=True)
def topic_detail(request, pk):
    topic = _get(request, pk)
    can_manage = request.user.has_perm("deliberation.manage_topic", topic)
    moves = sorted(services.TRANSITIONS[topic.status]) if can_manage else []
    return render(
        request,
        "deliberation/topic_detail.html",
        {"topic": topic, "moves": [(m, Topic.Status(m).label) for m in moves]},
    )


@require_POST
@permission_required("deliberation.view_topics", raise_exception=True)
def topic_status(request, pk):
    topic = _get(request, pk)
    if not request.user.has_perm("deliberation.manage_topic", topic):
        raise Http404
    try:
        services.topic_set_status(actor=request.user, topic=topic, status=request.POST.get("status", ""))
    except (ApplicationError, ValueError, KeyError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    return redirect("deliberation:topic_detail", pk=topic.pk)
