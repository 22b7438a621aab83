from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.report, name="report"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("submitted/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("extra-fields/", views.extra_fields, name="extra_fields"),
    path("map-points/", views.map_points, name="map_points"),
    path("mine/", views.my_cases, name="my_cases"),
    path("enter/", views.enter, name="enter"),
    path("open/", views.grid_open, name="grid_open"),
    path("station/<int:pk>/", views.station, name="station"),
    path("station/<int:pk>/open/", views.station_open, name="station_open"),
    path("metrics/", views.metrics, name="metrics"),
    path("metrics.xlsx", views.metrics_xlsx, name="metrics_xlsx"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_edit, name="category_create"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/mediation/", views.mediation, name="mediation"),
]
