from django.urls import path

from basemap import views

app_name = "basemap"

# z/x/y are captured as strings so that non-integers get a 400 JSON answer rather than a 404.
urlpatterns = [
    path("basemap.json", views.tilejson, name="tilejson"),
    path("<str:z>/<str:x>/<str:y>", views.tile, name="tile"),
]
