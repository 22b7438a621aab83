from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", views.set_language, name="set_language"),
    path("org/", views.orgunit_list, name="orgunit_list"),
    path("org/new/", views.orgunit_create, name="orgunit_create"),
    path("org/<int:pk>/", views.orgunit_detail, name="orgunit_detail"),
    path("org/<int:pk>/edit/", views.orgunit_edit, name="orgunit_edit"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/new/", views.station_edit, name="station_create"),
    path("stations/<int:pk>/edit/", views.station_edit, name="station_edit"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_edit, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("files/<uuid:pk>/", views.upload_serve, name="upload"),
    path("privacy/", views.privacy, name="privacy"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<str:key>/run/", views.job_run, name="job_run"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.<str:fmt>", views.audit_export, name="audit_export"),
]
