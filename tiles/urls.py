from django.urls import path

from tiles import views

app_name = "tiles"

# z/x/y are captured as strings so that non-integers get a 400 JSON answer rather than a 404.
urlpatterns = [
    path("<str:layer>/<str:z>/<str:x>/<str:y>.pbf", views.tile, name="tile"),
    path("<str:layer>.json", views.tilejson, name="tilejson"),
]
