from django.urls import path

from . import views

app_name = "venues"

urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("rooms/new/", views.room_edit, name="room_create"),
    path("rooms/<int:pk>/", views.room_detail, name="room_detail"),
    path("rooms/<int:pk>/week/", views.room_week, name="room_week"),
    path("rooms/<int:pk>/edit/", views.room_edit, name="room_edit"),
    path("rooms/<int:pk>/book/", views.booking_new, name="booking_new"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/<int:pk>/<str:action>/", views.booking_action, name="booking_action"),
    path("my/", views.my_bookings, name="my_bookings"),
    path("closed-days/", views.closedday_list, name="closedday_list"),
]
