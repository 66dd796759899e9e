from django.db import migrations

from live import sql


class Migration(migrations.Migration):
    initial = True
    dependencies = [("layers", "0004_change_counters")]

    operations = [migrations.RunSQL(sql.load("live_notify"), sql.load("drop_live_notify"))]
