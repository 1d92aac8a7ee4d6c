"""The shipped configuration: Decision 766's feedback deadlines and congvu's default SIPAS aggregation.
Administrators edit them, or add rows with a later effective date, in the admin."""

import datetime as dt

from django.db import migrations

DEADLINES = {
    "effective_from": dt.date(2022, 6, 23),
    "refuse_days": 2,
    "request_info_days": 5,
    "answer_days": 15,
    "publish_days": 2,
    "legal_basis": "Quyết định 766/QĐ-TTg ngày 23/6/2022, chỉ số 5.2 (từ chối ≤ 2, yêu cầu bổ sung ≤ 5, xử lý ≤ 15, công khai ≤ 2 ngày làm việc)",
}
SCHEME = {
    "effective_from": dt.date(2023, 12, 11),
    "name": "Mặc định của congvu: tỷ lệ hài lòng theo 5 yếu tố SIPAS",
    "scale_max": 5,
    "satisfied_at_least": 4,
    "dislike_at_most": 2,
    "aggregation": "share_satisfied",
    "legal_basis": "Các yếu tố theo Quyết định 1001/QĐ-BNV ngày 11/12/2023; công thức tổng hợp chính thức chưa tìm thấy, đây là mặc định của congvu",
}


def load(apps, schema_editor):
    apps.get_model("feedback", "FeedbackDeadlines").objects.get_or_create(effective_from=DEADLINES["effective_from"], defaults=DEADLINES)
    apps.get_model("feedback", "RatingScheme").objects.get_or_create(effective_from=SCHEME["effective_from"], defaults=SCHEME)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
