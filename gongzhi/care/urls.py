from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/risk/", views.risk_set, name="risk_set"),
    path("people/<int:pk>/visit/", views.visit_new, name="visit_new"),
    path("people/<int:pk>/assess/", views.assessment_new, name="assessment_new"),
    path("people/<int:pk>/order/", views.order_new, name="order_new"),
    path("people/<int:pk>/standing-order/", views.recurring_new, name="recurring_new"),
    path("people/<int:pk>/health/", views.health_new, name="health_new"),
    path("people/<int:pk>/child/", views.child_new, name="child_new"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/step/", views.order_step, name="order_step"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("health/", views.health_list, name="health_list"),
    path("health/<int:pk>/", views.health_detail, name="health_detail"),
    path("health/<int:pk>/edit/", views.health_edit, name="health_edit"),
    path("clinics/", views.clinic_list, name="clinic_list"),
    path("clinics/<int:pk>/", views.clinic_detail, name="clinic_detail"),
    path("children/", views.child_list, name="child_list"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("needy/", views.needy, name="needy"),
    path("reports/", views.report, name="report"),
    path("reports/xlsx/", views.report_xlsx, name="report_xlsx"),
]
