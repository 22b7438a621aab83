from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("counter/", views.counter, name="counter"),
    path("counter/<int:resident_id>/", views.counter_resident, name="counter_resident"),
    path("counter/<int:resident_id>/award/", views.counter_award, name="counter_award"),
    path("counter/<int:resident_id>/redeem/", views.counter_redeem, name="counter_redeem"),
    path("redemptions/", views.redemption_list, name="redemptions"),
    path("redemptions/<int:pk>/", views.receipt, name="receipt"),
    path("redemptions/<int:pk>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.approval_decide, name="approval_decide"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("policy/", views.policy_edit, name="policy"),
    path("rewards/", views.reward_list, name="rewards"),
    path("rewards/new/", views.reward_edit, name="reward_create"),
    path("rewards/<int:pk>/", views.reward_detail, name="reward_detail"),
    path("rewards/<int:pk>/edit/", views.reward_edit, name="reward_edit"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/close/", views.ranking_close, name="ranking_close"),
    path("notice/<int:community_id>/", views.notice, name="notice"),
    path("me/", views.my_points, name="mine"),
]
