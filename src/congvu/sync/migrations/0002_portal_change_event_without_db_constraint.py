"""The portal change keeps its event id without a foreign key in the database: dossiers.0003 partitions the
events by month on PostgreSQL, whose key becomes (id, at), and a foreign key needs a unique key on id alone."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0002_events_append_only'),
        ('sync', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='portalchange',
            name='event',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='dossiers.dossierevent', verbose_name='event'),
        ),
    ]
