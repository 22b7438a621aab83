from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [
    path("", views.topic_list, name="topic_list"),
    path("<int:pk>/", views.topic_detail, name="topic_detail"),
    path("<int:pk>/status/", views.topic_status, name="topic_status"),
]
