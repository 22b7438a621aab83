from django.db import migrations


def add_tags(apps, schema_editor):
    from gongzhi.registry.choices import SYSTEM_TAGS

    CareTag = apps.get_model("registry", "CareTag")
    for order, (code, name, derived) in enumerate(SYSTEM_TAGS):
        CareTag.objects.update_or_create(
            code=code, org_unit=None, defaults={"name": name, "is_derived": derived, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_resident_fields_tags_history_imports")]

    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
