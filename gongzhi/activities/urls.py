from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("all/", views.activity_list, name="activity_list"),
    path("new/", views.activity_create, name="activity_create"),
    path("mine/", views.my_activities, name="my_activities"),
    path("stats/", views.stats, name="stats"),
    path("stats/export.xlsx", views.stats_export, name="stats_export"),
    path("partners/", views.partner_programmes, name="partner_programmes"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("checkin/<str:token>/", views.self_checkin, name="self_checkin"),
    path("<int:pk>/", views.activity_detail, name="activity_detail"),
    path("<int:pk>/enrol/", views.enrol, name="enrol"),
    path("<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("<int:pk>/qr.svg", views.activity_qr, name="activity_qr"),
    path("enrolments/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment_cancel"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/scan/", views.session_scan, name="session_scan"),
    path("sessions/<int:pk>/confirm/", views.session_confirm, name="session_confirm"),
    path("sessions/<int:pk>/manual/", views.session_manual, name="session_manual"),
    path("sessions/<int:pk>/counter/", views.counter_attendance, name="counter_attendance"),
]
