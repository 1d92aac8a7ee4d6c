"""Rate-limit counters in an UNLOGGED table on PostgreSQL.

Every lookup raises a counter. In a logged table each of those one-row commits waits for the WAL to reach the
disk: about 3 ms here, more than the rest of the lookup's queries together. An unlogged table writes no WAL,
so its commits do not wait. What is given up is harmless for counters of a ten-minute window: after a crash
PostgreSQL empties the table (every client starts a fresh window), and replicas do not carry it (the limit
is counted on the primary only; nothing reads it elsewhere). SQLite has no such thing and needs none (WAL
mode with synchronous=NORMAL does not sync at commit).
"""

from django.db import migrations


def _alter(persistence: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("portal", "RateLimitCounter")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET {persistence}")

    return run


class Migration(migrations.Migration):

    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(_alter("UNLOGGED"), _alter("LOGGED"))]
