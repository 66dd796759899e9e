"""Print where the demo is served and which logins it has (called by `make demo`)."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from layers.models import Profile


class Command(BaseCommand):
    help = "Print the demo URL and the demo logins, one per role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url: str, **options) -> None:
        password = os.environ.get("GEOGOV_DEMO_PASSWORD", "demo12345")
        users = get_user_model().objects.filter(username__in=DEMO_USERNAMES).order_by("pk")
        profiles = {p.user_id: p for p in Profile.objects.filter(user__in=users).select_related("division", "grid")}
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"geo-governance demo: {url}"))
        self.stdout.write(f"  map {url}map/   API docs {url}api/docs/   admin {url}admin/")
        self.stdout.write(f"  logins (password {password}):")
        for user in users:
            profile = profiles.get(user.pk)
            role = profile.get_role_display() if profile else "-"
            area = (profile.grid or profile.division) if profile else None
            self.stdout.write(f"    {user.username:<8} {role}  {area or ''}")
        self.stdout.write("  Ctrl-C stops the server; the data stays (make demo again is quick).")
        self.stdout.write("")


DEMO_USERNAMES = ("admin", "county", "town", "village", "grid", "viewer")
