"""One audit chain per community (gongzhi.core.audit). The entries written before stay in chain 0,
the former single chain, whose HMACs did not cover a chain and still verify: the canonical form
adds the chain only when it is not 0. Adding a column with a constant default rewrites no row."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_jobrun'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='chain',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['chain', 'id'], name='audit_chain_idx'),
        ),
    ]
