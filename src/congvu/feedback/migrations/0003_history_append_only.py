"""On PostgreSQL the history of feedback is append-only in the database too, not only through the ORM."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION feedback_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'feedback history is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER feedback_event_append_only BEFORE UPDATE OR DELETE ON feedback_feedbackevent
    FOR EACH ROW EXECUTE FUNCTION feedback_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS feedback_event_append_only ON feedback_feedbackevent;
DROP FUNCTION IF EXISTS feedback_event_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_default_configuration")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
