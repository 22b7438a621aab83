"""Reference data kept as rows: the default visit frequency per risk level (high weekly, medium
monthly, low quarterly) and the home-care services of 五助+ (meal, bathing, cleaning, medical and
emergency help) plus "other". Communities change or add their own rows."""

from django.db import migrations

FREQUENCIES = {"high": 7, "medium": 30, "low": 90}
SERVICE_TYPES = [
    # English names are msgids (see models.SERVICE_TYPE_NAMES); pages translate them.
    ("meal", "Meal help", 10),
    ("bathing", "Bathing help", 20),
    ("cleaning", "Cleaning help", 30),
    ("medical", "Medical help", 40),
    ("emergency", "Emergency help", 50),
    ("errand", "Errands (帮办代办)", 60),
    ("other", "Other help", 90),
]


def forwards(apps, schema_editor):
    VisitFrequency = apps.get_model("care", "VisitFrequency")
    ServiceType = apps.get_model("care", "ServiceType")
    for level, days in FREQUENCIES.items():
        VisitFrequency.objects.get_or_create(org_unit=None, risk_level=level, defaults={"days": days})
    for code, name, order in SERVICE_TYPES:
        ServiceType.objects.get_or_create(org_unit=None, code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
