from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from search import sql


class Migration(migrations.Migration):
    """pg_trgm and the indexes the search box needs on the layers tables (see search/sql/)."""

    dependencies = [("layers", "0004_change_counters")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(sql.load("search_indexes"), sql.load("search_indexes_drop")),
    ]
