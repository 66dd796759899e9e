"""/api/iot/ routes (mounted before the generic /api/ include): logged-in users, area-scoped."""

from django.urls import path

from iot import views

app_name = "iot-api"

urlpatterns = [
    path("alarms/<int:incident_id>/responders/", views.RespondersView.as_view(), name="responders"),
    path("alarms/<int:incident_id>/false-alarm/", views.FalseAlarmView.as_view(), name="false-alarm"),
    path("devices/", views.DeviceList.as_view(), name="devices"),
    path("notifications/", views.NotificationList.as_view(), name="notifications"),
    path("notifications/<int:pk>/read/", views.NotificationRead.as_view(), name="notification-read"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
]
