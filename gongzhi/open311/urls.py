"""/open311/v2/: the GeoReport v2 endpoints, each in .xml and .json; /open311/keys/: the staff page."""

from django.urls import path

from . import views

app_name = "open311"
URL_PREFIX = "open311/"


def _both(route: str, view, name: str) -> list:
    return [path(f"v2/{route}.{fmt}", view, {"fmt": fmt}, name=f"{name}_{fmt}") for fmt in ("json", "xml")]


urlpatterns = [
    *_both("discovery", views.discovery, "discovery"),
    *_both("services", views.service_list, "services"),
    *_both("services/<str:service_code>", views.service_definition, "service"),
    *_both("requests", views.requests, "requests"),
    *_both("requests/<int:service_request_id>", views.request_detail, "request"),
    *_both("tokens/<str:token>", views.token, "token"),
    path("keys/", views.key_list, name="key_list"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
]
