from django.db import migrations

from layers import sql


class Migration(migrations.Migration):
    dependencies = [("layers", "0003_constraint_messages")]

    operations = [migrations.RunSQL(sql.load("change_counters"), sql.load("drop_change_counters"))]
