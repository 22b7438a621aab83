from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:pk>/", views.cockpit, name="cockpit"),
    path("units/<int:pk>/screen/", views.screen, name="screen"),
    path("units/<int:pk>/report/", views.report, name="report"),
    path("units/<int:pk>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("refresh/", views.refresh, name="refresh"),
]
