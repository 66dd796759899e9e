"""/api/sweeps/: my rounds, filling items, submitting, overdue rounds below me."""

from django.urls import path

from sweeps import views

app_name = "sweeps"
urlpatterns = [
    path("rounds/", views.RoundListView.as_view(), name="rounds"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round"),
    path("rounds/<int:pk>/items/<int:position>/", views.FillView.as_view(), name="fill"),
    path("rounds/<int:pk>/submit/", views.SubmitView.as_view(), name="submit"),
    path("overdue/", views.OverdueView.as_view(), name="overdue"),
]
