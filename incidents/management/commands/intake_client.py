"""manage.py intake_client add NAME --channel hotline|open311 [--area CODE] | list | disable NAME

API clients of the intake (12345 hotline, Open311 apps): the token is printed once, only its SHA-256 is kept.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from incidents.channels import keys
from incidents.models import ApiClient


class Command(BaseCommand):
    help = "添加、列出或停用接口客户端（12345 热线、Open311） / add, list or disable intake API clients"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add")
        add.add_argument("name")
        add.add_argument("--channel", required=True, choices=[value for value, _label in ApiClient.CHANNELS])
        add.add_argument("--area", default="", help="可查询区域编码前缀（空：全部） / readable area code prefix")
        sub.add_parser("list")
        disable = sub.add_parser("disable")
        disable.add_argument("name")

    def handle(self, *args, verb: str, **options) -> None:
        if verb == "add":
            if ApiClient.objects.filter(name=options["name"]).exists():
                raise CommandError(f"客户端已存在 / a client named {options['name']!r} exists")
            client, token = keys.issue(options["name"], options["channel"], options["area"])
            self.stdout.write(f"{client.name} ({client.channel}) token: {token}")
        elif verb == "list":
            for client in ApiClient.objects.order_by("name"):
                state = "active" if client.active else "disabled"
                self.stdout.write(f"{client.name}\t{client.channel}\t{client.area_code or '*'}\t{state}")
        elif not ApiClient.objects.filter(name=options["name"]).update(active=False):
            raise CommandError(f"没有该客户端 / no client named {options['name']!r}")
