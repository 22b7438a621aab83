"""The GeoReport v2 endpoints under /open311/v2/ and the staff page for keys. Thin: parse, check,
call a service or selector, render in the format the path's suffix names."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from gongzhi.core.errors import ApplicationError
from gongzhi.core.middleware import client_ip
from gongzhi.core.pagination import paginate
from gongzhi.core.ratelimit import hit
from gongzhi.core.views import form_error

from . import georeport, selectors, services
from .forms import KeyForm
from .models import ApiKey

# --- GeoReport v2 --------------------------------------------------------------------------------------


def _params(request) -> dict:
    return request.POST if request.method == "POST" else request.GET


def _jurisdiction(request):
    community = selectors.jurisdiction_get(_params(request).get("jurisdiction_id", ""))
    if community is None:
        raise services.not_found(_("Unknown jurisdiction_id."))
    return community


def _rate_limited(fmt: str, wait: int):
    response = georeport.error_response(
        fmt, 429, [_("Too many requests. Please wait %(seconds)s seconds and try again.") % {"seconds": wait}]
    )
    response["Retry-After"] = str(wait)
    return response


def _error(fmt: str, exc: ApplicationError):
    status = exc.status if exc.status in (400, 403, 404) else 400
    errors = exc.extra.get("all") or [exc]
    return georeport.error_response(fmt, status, [e.message for e in errors])


def georeport_view(*methods):
    """Answer only `methods` (405 otherwise), limit GETs per client IP, and turn a refusal into the
    spec's error list with its HTTP status."""

    def decorator(view):
        @functools.wraps(view)
        @csrf_exempt  # partner systems post with their api_key, never with a browser session
        def wrapped(request, *args, fmt="json", **kwargs):
            if request.method not in methods:
                response = georeport.error_response(fmt, 405, [_("Method not allowed.")])
                response["Allow"] = ", ".join(methods)
                return response
            if request.method == "GET":
                _post, per_ip, window = settings.OPEN311_RATE
                wait = hit("open311.get:ip", client_ip(request) or "unknown", limit=per_ip, window=window)
                if wait:
                    return _rate_limited(fmt, wait)
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except ApplicationError as exc:
                return _error(fmt, exc)

        return wrapped

    return decorator


@georeport_view("GET")
def discovery(request, fmt):
    url = request.build_absolute_uri(reverse("open311:discovery_json")).rsplit("/", 1)[0] + "/"
    community = selectors.jurisdiction_default()
    contact = settings.OPEN311_CONTACT or (
        " ".join(filter(None, [community.name, community.address, community.phone])) if community else ""
    )
    data = {
        "changeset": georeport.CHANGESET,
        "contact": contact,
        "key_service": _("Keys are issued per partner unit by the community's staff, on the page %(url)s.")
        % {"url": request.build_absolute_uri(reverse("open311:key_list"))},
        "endpoints": [
            {
                "specification": georeport.SPECIFICATION,
                "url": url,
                "changeset": georeport.CHANGESET,
                "type": settings.OPEN311_ENDPOINT_TYPE,
                "formats": list(georeport.FORMATS.values()),
            }
        ],
    }
    return georeport.respond(fmt, "discovery", data)


@georeport_view("GET")
def service_list(request, fmt):
    community = _jurisdiction(request)
    data = [georeport.service_dict(c) for c in selectors.services(community=community)]
    return georeport.respond(fmt, "services", data)


@georeport_view("GET")
def service_definition(request, fmt, service_code):
    community = _jurisdiction(request)
    category = selectors.service_get(community=community, code=service_code)
    if category is None:
        raise services.not_found(_("Unknown service_code %(code)s.") % {"code": service_code})
    return georeport.respond(fmt, "service_definition", georeport.definition_dict(category))


def _post_input(post) -> services.RequestInput:
    fields = services.RequestInput.__dataclass_fields__
    data = {name: post.get(name, "") for name in fields if name != "attributes"}
    return services.RequestInput(attributes=georeport.parse_attributes(post), **data)


def _create(request, fmt):
    post = request.POST
    key = services.apikey_authenticate(post.get("api_key", ""))
    community = None
    try:
        if key is None:
            wait = hit("open311.badkey:ip", client_ip(request) or "unknown", limit=30, window=600)
            if wait:
                return _rate_limited(fmt, wait)
            raise services.forbidden(_("api_key is missing or not valid."))
        post_limit, _get, window = settings.OPEN311_RATE
        wait = hit("open311.post:key", str(key.pk), limit=post_limit, window=window)
        if wait:
            return _rate_limited(fmt, wait)
        community = _jurisdiction(request)
        case = services.request_create(key=key, community=community, data=_post_input(post))
    except ApplicationError as exc:
        services.request_refused(
            key=key, community=community or (key.org_unit if key else None), status=exc.status, code=exc.code
        )
        raise
    created = georeport.created_dict(case, account_id=post.get("account_id", "").strip())
    return georeport.respond(fmt, "service_requests", [created])


@georeport_view("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    community = _jurisdiction(request)
    params = request.GET
    ids = params.get("service_request_id", "").strip()
    if ids:
        found = selectors.requests_search(community=community, ids=georeport.parse_ids(ids))
    else:
        start, end = georeport.parse_span(params.get("start_date", ""), params.get("end_date", ""))
        found = selectors.requests_search(
            community=community,
            codes=georeport.parse_list(params.get("service_code", "")),
            start=start,
            end=end,
            statuses=georeport.parse_statuses(params.get("status", "")),
        )
    return georeport.respond(fmt, "service_requests", [georeport.request_dict(c) for c in found])


@georeport_view("GET")
def request_detail(request, fmt, service_request_id):
    community = _jurisdiction(request)
    case = selectors.request_get(community=community, pk=service_request_id)
    if case is None:
        raise services.not_found(_("Unknown service_request_id %(id)s.") % {"id": service_request_id})
    return georeport.respond(fmt, "service_requests", [georeport.request_dict(case)])


@georeport_view("GET")
def token(request, fmt, token):
    community = _jurisdiction(request)
    case = selectors.request_by_token(community=community, token=token)
    if case is None:
        raise services.not_found(_("Unknown token."))
    return georeport.respond(
        fmt, "service_requests", [{"service_request_id": str(case.pk), "token": case.tracking_code}]
    )


# --- the staff page -------------------------------------------------------------------------------------


@login_required
@permission_required("open311.manage_keys", raise_exception=True)
def key_list(request):
    communities = selectors.managed_communities(user=request.user)
    partners = selectors.partners_of(communities=communities)
    form = KeyForm(request.POST or None, communities=communities, partners=partners)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = services.apikey_create(
                actor=request.user,
                community=form.cleaned_data["community"],
                name=form.cleaned_data["name"],
                partner=form.cleaned_data["partner"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            form = KeyForm(communities=communities, partners=partners)
            # The key's name is data (in whatever language it was typed): marked so, escaped.
            sentence = conditional_escape(_("Key “%(name)s” issued. Copy it now: it is shown only once."))
            name = format_html('<span translate="no">{}</span>', key.name)
            messages.success(request, mark_safe(sentence % {"name": name}))  # nosec B308 B703 - both parts escaped
    page = paginate(request, selectors.key_list(user=request.user))
    endpoint = request.build_absolute_uri(reverse("open311:discovery_json")).rsplit("/", 1)[0] + "/"
    return render(
        request,
        "open311/keys.html",
        {"form": form, "page": page, "secret": secret, "endpoint": endpoint},
        status=400 if request.method == "POST" and secret is None else 200,
    )


@login_required
@require_POST
def key_revoke(request, pk: int):
    try:
        key = selectors.key_get(user=request.user, pk=pk)
    except ApiKey.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("open311.manage_key", key):
        raise Http404
    try:
        services.apikey_revoke(actor=request.user, key=key)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Key “%(name)s” revoked.") % {"name": key.name})
    return redirect("open311:key_list")
