from django.db import migrations


def load_checklists(apps, schema_editor):
    from sweeps import checklists

    checklists.load(apps.get_model("sweeps", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("sweeps", "0001_initial")]

    operations = [migrations.RunPython(load_checklists, migrations.RunPython.noop)]
