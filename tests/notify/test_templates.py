"""Templates: Vietnamese defaults seeded for every kind and channel, edited in the Django admin, and checked
before they are saved (syntax, unknown variables, subject rules), so a typo never reaches a citizen."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from congvu.notify.defaults import DEFAULT_TEMPLATES, SAMPLE_CONTEXT, VARIABLES
from congvu.notify.models import Channel, Kind, NotificationTemplate
from congvu.notify.rendering import check_template, preview

pytestmark = pytest.mark.django_db


def test_every_kind_and_channel_is_seeded_in_vietnamese():
    rows = {(t.kind, t.channel): t for t in NotificationTemplate.objects.all()}
    assert set(rows) == {(k, c) for k in Kind.values for c in Channel.values}
    for (kind, channel), row in rows.items():
        assert row.enabled
        assert (row.subject == "") == (channel == Channel.SMS)
        assert any(ch in row.body for ch in "ồơđưạảấ"), f"{kind}/{channel} is not Vietnamese"


@pytest.mark.parametrize("key", list(DEFAULT_TEMPLATES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_every_default_passes_its_own_check_and_uses_its_variables(key):
    kind, _channel = key
    subject, body = DEFAULT_TEMPLATES[key]
    check_template(kind, body)
    if subject:
        check_template(kind, subject, field="subject")
    rendered_subject, rendered_body = preview(kind, subject, body)
    assert rendered_body and "{{" not in rendered_body and "{%" not in rendered_body
    assert set(SAMPLE_CONTEXT[kind]) == set(VARIABLES[kind])


@pytest.mark.parametrize("text,message", [
    ("Hồ sơ {{ dossier_code }", "chưa được đóng đúng"),
    ("{% if not_accepted }x", "chưa được đóng đúng"),
    ("{% if due_at %}thiếu endif", "lỗi cú pháp"),
    ("{% load i18n %}{{ dossier_code }}", "lỗi cú pháp"),
    ("Hồ sơ {{ ma_ho_so }}", "Biến không tồn tại: ma_ho_so"),
    ("{% if not_accepted %}{{ ly_do }}{% else %}x{% endif %}", "Biến không tồn tại: ly_do"),
    ("{% include 'congvu/base.html' %}", "Không hiển thị được mẫu"),
    ("{% debug %}", "thẻ debug"),
])
def test_check_refuses_broken_templates_in_vietnamese(text, message):
    with pytest.raises(ValidationError) as info:
        check_template(Kind.REFUSED, text)
    assert message in " ".join(info.value.messages)


@pytest.fixture
def admin_client_(client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", "quantri@example.vn", "x")
    client.force_login(admin)
    return client


def _post(client, template, **changes):
    data = {"kind": template.kind, "channel": template.channel, "enabled": "on", "subject": template.subject, "body": template.body, **changes}
    return client.post(reverse("admin:notify_notificationtemplate_change", args=[template.pk]), data)


def test_admin_saves_a_valid_edit_and_it_is_used(admin_client_):
    template = NotificationTemplate.objects.get(kind=Kind.FEEDBACK_ANSWERED, channel=Channel.EMAIL)
    response = _post(admin_client_, template, subject="Trả lời phản ánh {{ feedback_code }}")
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "Trả lời phản ánh {{ feedback_code }}"
    from congvu.notify.services import enqueue

    (row,) = enqueue("feedback_answered", key="k1", context={"feedback_code": "PA-1"}, email="a@example.vn")
    assert row.subject == "Trả lời phản ánh PA-1"


@pytest.mark.parametrize("changes,field,message", [
    ({"body": "Xin chào {{ ten }}"}, "body", "Biến không tồn tại: ten"),
    ({"body": "{% if answer %}"}, "body", "lỗi cú pháp"),
    ({"subject": ""}, "subject", "Thư điện tử cần có tiêu đề."),
    ({"subject": "Dòng một\nDòng hai"}, "subject", "một dòng"),
])
def test_admin_refuses_a_broken_edit_and_changes_nothing(admin_client_, changes, field, message):
    template = NotificationTemplate.objects.get(kind=Kind.FEEDBACK_ANSWERED, channel=Channel.EMAIL)
    before = (template.subject, template.body)
    response = _post(admin_client_, template, **changes)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors.get(field, []))
    assert message in errors
    template.refresh_from_db()
    assert (template.subject, template.body) == before


def test_admin_refuses_a_subject_on_an_sms(admin_client_):
    template = NotificationTemplate.objects.get(kind=Kind.RECEIVED, channel=Channel.SMS)
    response = _post(admin_client_, template, subject="Tiêu đề")
    assert "SMS không có tiêu đề" in " ".join(response.context["adminform"].form.errors["subject"])


def test_admin_page_lists_the_variables_and_a_preview(admin_client_):
    template = NotificationTemplate.objects.get(kind=Kind.RECEIVED, channel=Channel.EMAIL)
    page = admin_client_.get(reverse("admin:notify_notificationtemplate_change", args=[template.pk])).content.decode()
    assert "{{ due_at }}" in page and "ngày hẹn trả kết quả" in page
    assert "Hồ sơ H99.01-260302-0001 đã được tiếp nhận" in page  # the subject rendered with sample values
