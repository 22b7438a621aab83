"""The GeoReport v2 wire format: what a service, a service definition and a request look like, in
JSON (lists as top-level arrays) and in XML (no namespace), and the parsing of query parameters."""

import datetime
import io
import json
import re

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.xmlutils import SimplerXMLGenerator

from gongzhi.cases.models import Case
from gongzhi.core.errors import ApplicationError
from gongzhi.core.templatetags.gongzhi import local_name

from .selectors import CLOSED_STATES, MAX_SPAN
from .services import service_notice

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The date this interface last changed, for discovery's `changeset`.
CHANGESET = "2026-11-29T00:00:00+08:00"
FORMATS = {"xml": "text/xml", "json": "application/json"}
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The element name of one item of each XML list.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
DATATYPE_HELP = {
    "string": gettext_lazy("A short text."),
    "number": gettext_lazy("A number, e.g. 3 or 2.5."),
    "datetime": gettext_lazy("A date and time with its zone, e.g. 2026-11-29T09:30:00+08:00."),
    "text": gettext_lazy("A longer text."),
    "singlevaluelist": gettext_lazy("One key of the listed values."),
    "multivaluelist": gettext_lazy("One or more keys of the listed values, as attribute[code][]=key."),
}
# Characters XML 1.0 cannot carry.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def when(value: datetime.datetime | None) -> str | None:
    """A W3C datetime that always carries its zone (local time of the deployment)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- representations ----------------------------------------------------------------------------------


def service_dict(category) -> dict:
    parent = category.parent
    keywords = [category.name, category.name_bo, parent.name if parent else ""]
    return {
        "service_code": category.code,
        "service_name": local_name(category),
        "description": category.description or None,
        "metadata": bool(category.extra_fields),
        "type": "realtime",
        "keywords": ",".join(k for k in keywords if k) or None,
        "group": local_name(parent) if parent else None,
    }


def definition_dict(category) -> dict:
    attributes = []
    for index, spec in enumerate(category.extra_fields or [], start=1):
        datatype = spec.get("datatype", "string")
        values = [
            {"key": str(v.get("key")), "name": str(v.get("name", v.get("key")))}
            for v in spec.get("values", [])
        ]
        attribute = {
            "variable": True,
            "code": str(spec["code"]),
            "datatype": datatype,
            "required": bool(spec.get("required")),
            "datatype_description": spec.get("datatype_description") or str(DATATYPE_HELP.get(datatype, "")),
            "order": int(spec.get("order") or index),
            "description": spec.get("description") or spec.get("label") or str(spec["code"]),
        }
        if values:
            attribute["values"] = values
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


def status_of(case: Case) -> str:
    return "closed" if case.status in CLOSED_STATES else "open"


def status_notes(case: Case) -> str:
    notes = _("%(status)s; tier: %(tier)s") % {
        "status": case.get_status_display(),
        "tier": case.get_tier_display(),
    }
    if case.reject_reason:
        notes = _("%(notes)s; reason: %(reason)s") % {
            "notes": notes,
            "reason": case.get_reject_reason_display(),
        }
    return notes


def updated_at(case: Case) -> datetime.datetime:
    if status_of(case) == "closed":
        return case.closed_at or case.resolved_at or case.updated_at
    return case.updated_at


def request_dict(case: Case) -> dict:
    """A case as an Open311 request. No reporter data, and no address when the case was located
    at the reporter's registered home."""
    private_place = case.location_kind == Case.LocationKind.REGISTERED
    agency = case.lead_partner or case.org_unit
    return {
        "service_request_id": str(case.pk),
        "status": status_of(case),
        "status_notes": status_notes(case),
        "service_name": local_name(case.category),
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": local_name(agency) if agency else None,
        "service_notice": service_notice(case.category),
        "requested_datetime": when(case.created_at),
        "updated_datetime": when(updated_at(case)),
        "expected_datetime": when(case.resolution_due),
        "address": None if private_place or not case.address else case.address,
        "address_id": None,
        "zipcode": None,
        "lat": None if private_place or case.lat is None else float(case.lat),
        "long": None if private_place or case.long is None else float(case.long),
        "media_url": case.media_url or None,
    }


def created_dict(case: Case, *, account_id: str = "") -> dict:
    return {
        "service_request_id": str(case.pk),
        "service_notice": service_notice(case.category),
        "account_id": account_id or None,
    }


# --- rendering ----------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID.sub("", str(value))


def _write(xml: SimplerXMLGenerator, name: str, value) -> None:
    if isinstance(value, dict):
        xml.startElement(name, {})
        for key, item in value.items():
            _write(xml, key, item)
        xml.endElement(name)
    elif isinstance(value, list):
        xml.startElement(name, {})
        for item in value:
            _write(xml, ITEM_NAMES[name], item)
        xml.endElement(name)
    else:
        xml.addQuickElement(name, _text(value))


def to_xml(root: str, data) -> str:
    stream = io.StringIO()
    xml = SimplerXMLGenerator(stream, "UTF-8")
    xml.startDocument()
    _write(xml, root, data)
    xml.endDocument()
    return stream.getvalue()


def respond(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """`data` as JSON, or as XML under the element `root` (a list's items named by ITEM_NAMES)."""
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    errors = [{"code": status, "description": str(d)} for d in descriptions]
    return respond(fmt, "errors", errors, status=status)


# --- query parameters ---------------------------------------------------------------------------------


def parse_when(value: str, name: str) -> datetime.datetime | None:
    """A W3C datetime with a zone. A '+' of the zone that arrived unescaped (as a space) is put back."""
    value = (value or "").strip()
    if not value:
        return None
    value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value)
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ApplicationError(
            _("%(name)s is not a W3C datetime, e.g. 2026-11-29T09:30:00+08:00.") % {"name": name}, field=name
        )
    if parsed.tzinfo is None:
        raise ApplicationError(
            _("%(name)s must carry a time zone, e.g. +08:00 or Z.") % {"name": name}, field=name
        )
    return parsed


def parse_span(start_value: str, end_value: str, *, now=None) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date and end_date: default the last 90 days, never more than 90 days apart."""
    start, end = parse_when(start_value, "start_date"), parse_when(end_value, "end_date")
    now = now or timezone.now()
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if start > end:
        raise ApplicationError(_("start_date is after end_date."), field="start_date")
    if end - start > MAX_SPAN:
        raise ApplicationError(_("The span from start_date to end_date is over 90 days."), field="end_date")
    return start, end


def parse_list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_ids(value: str) -> list[int]:
    ids = parse_list(value)
    if not all(part.isdigit() and len(part) < 12 for part in ids):
        raise ApplicationError(
            _("service_request_id must be numbers separated by commas."), field="service_request_id"
        )
    return [int(part) for part in ids]


def parse_statuses(value: str) -> set[str] | None:
    statuses = set(parse_list(value))
    if not statuses:
        return None
    if not statuses <= {"open", "closed"}:
        raise ApplicationError(_("status must be open, closed or both."), field="status")
    return statuses


ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def parse_attributes(post) -> dict:
    """attribute[code]=value and attribute[code][]=value (repeated for a multivaluelist)."""
    attributes: dict = {}
    for key in post:
        match = ATTRIBUTE_RE.match(key)
        if not match:
            continue
        code, many = match.group(1), bool(match.group(2))
        values = [v for v in post.getlist(key) if v != ""]
        if many:
            attributes.setdefault(code, [])
            if isinstance(attributes[code], list):
                attributes[code].extend(values)
        elif values:
            attributes[code] = values[0]
    return attributes
