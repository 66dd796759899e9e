from django.db import migrations

from layers import sql


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql.load("grid_check"),
            "DROP TRIGGER IF EXISTS geogov_grid_check ON layers_grid; DROP FUNCTION IF EXISTS geogov_grid_check()",
        ),
    ]
