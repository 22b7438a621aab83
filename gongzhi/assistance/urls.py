from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("", views.index, name="index"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/step/", views.application_step, name="application_step"),
    path("applications/<int:pk>/documents/", views.application_document, name="application_document"),
    path("applications/<int:pk>/notice/", views.application_notice, name="application_notice"),
    path("enrolments/", views.enrolment_list, name="enrolment_list"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/reviews/<int:review_pk>/", views.review_complete, name="review_complete"),
    path("reviews/", views.review_list, name="review_list"),
    path("missed/", views.missed_list, name="missed_list"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/step/", views.batch_step, name="batch_step"),
    path("batches/<int:pk>/file.<str:fmt>", views.batch_file, name="batch_file"),
    path("standards/", views.standard_list, name="standard_list"),
    path("reports/", views.report, name="report"),
    path("reports/xlsx/", views.report_xlsx, name="report_xlsx"),
]
