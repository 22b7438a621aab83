from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "gongzhi.activities"
    label = "activities"
    verbose_name = "Activities, enrolment and attendance"
