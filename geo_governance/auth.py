"""The authentication backend: Django's ModelBackend, loading the user's area with the user.

Every request of a logged-in user loads the user once (AuthenticationMiddleware); almost every view
then asks for the user's area (``layers.models.scoping.area_prefix``). Loading the profile, its
division and its grid in the same query saves a round trip per request, which matters for map tiles.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AreaModelBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("profile__division", "profile__grid").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
