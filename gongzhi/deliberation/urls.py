from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [
    path("", views.topic_list, name="topic_list"),
    path("new/", views.topic_create, name="topic_create"),
    path("<int:pk>/", views.topic_detail, name="topic_detail"),
    path("<int:pk>/status/", views.topic_status, name="topic_status"),
    path("<int:pk>/support/", views.topic_support, name="topic_support"),
    path("<int:pk>/agenda/", views.topic_agenda, name="topic_agenda"),
    path("<int:pk>/comment/", views.comment_add, name="comment_add"),
    path("<int:pk>/vote/", views.decision_open, name="decision_open"),
    path("<int:pk>/result/", views.result_create, name="result_create"),
    path("comments/<int:pk>/report/", views.comment_report, name="comment_report"),
    path("comments/<int:pk>/review/", views.comment_review, name="comment_review"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/vote/", views.vote_cast, name="vote_cast"),
    path("decisions/<int:pk>/record/", views.vote_record, name="vote_record"),
    path("decisions/<int:pk>/close/", views.decision_close, name="decision_close"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/notice/", views.meeting_notice, name="meeting_notice"),
    path("meetings/<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/held/", views.meeting_held, name="meeting_held"),
    path("meetings/<int:pk>/agenda/", views.meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:pk>/invite/", views.meeting_invite, name="meeting_invite"),
    path("meetings/<int:pk>/register/", views.meeting_register, name="meeting_register"),
    path("meetings/<int:pk>/checkin/", views.meeting_checkin, name="meeting_checkin"),
    path("meetings/<int:pk>/photos/", views.meeting_photos, name="meeting_photos"),
    path("agenda/<int:pk>/minutes/", views.minutes_record, name="minutes_record"),
    path("results/", views.result_list, name="result_list"),
    path("results/<int:pk>/", views.result_detail, name="result_detail"),
    path("results/<int:pk>/update/", views.result_update, name="result_update"),
    path("results/<int:pk>/milestone/", views.milestone_add, name="milestone_add"),
    path("results/<int:pk>/milestone/done/", views.milestone_done, name="milestone_done"),
    path("settings/", views.corner_settings, name="corner_settings"),
    path("public/<str:code>/", views.public_page, name="public_page"),
]
