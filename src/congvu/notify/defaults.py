"""The default Vietnamese texts of every notification, the variables each may use, and sample values for
checking and previewing an edited template.

The texts are data: the data migration seeds them into `NotificationTemplate`, administrators edit them
there, and a kind whose row is missing falls back to the text here. They are plain text (e-mail bodies and
SMS), rendered with autoescaping off.
"""

from django.utils.translation import gettext_lazy as _

from congvu.notify.models import Channel, Kind

EMAIL, SMS = Channel.EMAIL.value, Channel.SMS.value

# Every dossier notification knows the dossier, its procedure and where it was received.
_DOSSIER_VARIABLES = {
    "applicant_name": _("applicant's name (or organisation)"),
    "dossier_code": _("dossier code"),
    "procedure_name": _("procedure name"),
    "unit_name": _("unit that received the dossier"),
    "unit_address": _("address of that unit (may be empty)"),
    "lookup_url": _("link to the public lookup page of the dossier"),
}

VARIABLES: dict[str, dict] = {
    Kind.RECEIVED: {**_DOSSIER_VARIABLES, "due_at": _("appointment for the result, e.g. 17:00 ngày 09/03/2026 (may be empty)")},
    Kind.SUPPLEMENT_REQUESTED: {
        **_DOSSIER_VARIABLES,
        "items": _("list of what is missing, to loop over with a for tag"),
        "items_text": _("what is missing, on one line separated by semicolons"),
        "reason": _("reason given by the officer (may be empty)"),
    },
    Kind.PAYMENT_DUE: {
        **_DOSSIER_VARIABLES,
        "amount": _("amount to pay, e.g. 8.000 đồng"),
        "description": _("fee or charge to pay"),
    },
    Kind.RESULT_READY: {
        **_DOSSIER_VARIABLES,
        "results_text": _("names of the results, separated by semicolons"),
        "rating_url": _("link for rating the service (empty until rating is available)"),
    },
    Kind.APOLOGY: {
        **_DOSSIER_VARIABLES,
        "new_due_at": _("the new appointment, e.g. 17:00 ngày 12/03/2026"),
        "reason": _("reason for the delay"),
    },
    Kind.REFUSED: {
        **_DOSSIER_VARIABLES,
        "reasons": _("reasons for the refusal"),
        "not_accepted": _("true when an online filing was not accepted, false when refused after processing"),
    },
    Kind.FEEDBACK_ANSWERED: {
        "recipient_name": _("name of the person who sent the feedback"),
        "feedback_code": _("code of the feedback"),
        "feedback_title": _("title of the feedback (may be empty)"),
        "answer": _("the answer"),
        "answered_by": _("unit that answered"),
        "feedback_url": _("link to the answer (may be empty)"),
        "answered_at": _("when it was answered, e.g. 14/03/2026 09:30"),
    },
}

_SAMPLE_DOSSIER = {
    "applicant_name": "Nguyễn Văn An",
    "dossier_code": "H99.01-260302-0001",
    "procedure_name": "Đăng ký khai sinh",
    "unit_name": "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm",
    "unit_address": "Số 1 phố Đinh Tiên Hoàng, phường Hoàn Kiếm",
    "lookup_url": "https://dichvucong.example.vn/tra-cuu/H99.01-260302-0001/?t=…",
}

SAMPLE_CONTEXT: dict[str, dict] = {
    Kind.RECEIVED: {**_SAMPLE_DOSSIER, "due_at": "17:00 ngày 09/03/2026"},
    Kind.SUPPLEMENT_REQUESTED: {
        **_SAMPLE_DOSSIER, "items": ["Giấy chứng sinh", "Bản sao giấy đăng ký kết hôn"],
        "items_text": "Giấy chứng sinh; Bản sao giấy đăng ký kết hôn", "reason": "Thiếu giấy tờ chứng minh nơi sinh.",
    },
    Kind.PAYMENT_DUE: {**_SAMPLE_DOSSIER, "amount": "8.000 đồng", "description": "Lệ phí đăng ký hộ tịch"},
    Kind.RESULT_READY: {**_SAMPLE_DOSSIER, "results_text": "Giấy khai sinh (bản chính)", "rating_url": "https://dichvucong.example.vn/danh-gia/…"},
    Kind.APOLOGY: {**_SAMPLE_DOSSIER, "new_due_at": "17:00 ngày 12/03/2026", "reason": "Cần xác minh thêm thông tin nơi cư trú."},
    Kind.REFUSED: {**_SAMPLE_DOSSIER, "reasons": "Hồ sơ không thuộc thẩm quyền giải quyết của phường.", "not_accepted": False},
    Kind.FEEDBACK_ANSWERED: {
        "recipient_name": "Trần Thị Bình", "feedback_code": "PA-2026-0007", "feedback_title": "Thời gian chờ tại quầy",
        "answer": "Trung tâm đã bố trí thêm một quầy tiếp nhận vào buổi sáng.", "answered_by": "Trung tâm Phục vụ hành chính công",
        "feedback_url": "https://dichvucong.example.vn/phan-anh/PA-2026-0007/", "answered_at": "14/03/2026 09:30",
    },
}

_SIGNATURE = "\n\nĐây là thư gửi tự động từ hệ thống thông tin giải quyết thủ tục hành chính; vui lòng không trả lời thư này."

# (kind, channel) → (subject, body)
DEFAULT_TEMPLATES: dict[tuple[str, str], tuple[str, str]] = {
    (Kind.RECEIVED, EMAIL): (
        "Hồ sơ {{ dossier_code }} đã được tiếp nhận",
        "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
        "{{ unit_name }} đã tiếp nhận hồ sơ của Ông/Bà:\n"
        "- Mã hồ sơ: {{ dossier_code }}\n"
        "- Thủ tục: {{ procedure_name }}\n"
        "{% if due_at %}- Ngày hẹn trả kết quả: {{ due_at }}\n{% endif %}"
        "\nÔng/Bà có thể tra cứu tình trạng giải quyết hồ sơ tại:\n{{ lookup_url }}" + _SIGNATURE,
    ),
    (Kind.RECEIVED, SMS): (
        "",
        "{{ unit_name }} đã tiếp nhận hồ sơ {{ dossier_code }}.{% if due_at %} Hẹn trả kết quả: {{ due_at }}.{% endif %} "
        "Tra cứu: {{ lookup_url }}",
    ),
    (Kind.SUPPLEMENT_REQUESTED, EMAIL): (
        "Hồ sơ {{ dossier_code }} cần bổ sung, hoàn thiện",
        "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
        "Hồ sơ {{ dossier_code }} ({{ procedure_name }}) cần được bổ sung, hoàn thiện các nội dung sau:\n"
        "{% for item in items %}- {{ item }}\n{% endfor %}"
        "{% if reason %}\nLý do: {{ reason }}\n{% endif %}"
        "\nThời hạn giải quyết tạm dừng cho đến khi Ông/Bà nộp đủ hồ sơ bổ sung tại {{ unit_name }}"
        "{% if unit_address %} ({{ unit_address }}){% endif %}.\n"
        "Tra cứu hồ sơ: {{ lookup_url }}" + _SIGNATURE,
    ),
    (Kind.SUPPLEMENT_REQUESTED, SMS): (
        "",
        "Hồ sơ {{ dossier_code }} cần bổ sung: {{ items_text }}. Vui lòng bổ sung tại {{ unit_name }}. Tra cứu: {{ lookup_url }}",
    ),
    (Kind.PAYMENT_DUE, EMAIL): (
        "Hồ sơ {{ dossier_code }}: đề nghị thực hiện nghĩa vụ tài chính",
        "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
        "Để tiếp tục giải quyết hồ sơ {{ dossier_code }} ({{ procedure_name }}), đề nghị Ông/Bà nộp:\n"
        "- Khoản: {{ description }}\n"
        "- Số tiền: {{ amount }}\n\n"
        "Thời hạn giải quyết tạm dừng cho đến khi Ông/Bà hoàn thành nghĩa vụ tài chính.\n"
        "Tra cứu hồ sơ: {{ lookup_url }}" + _SIGNATURE,
    ),
    (Kind.PAYMENT_DUE, SMS): (
        "",
        "Hồ sơ {{ dossier_code }}: đề nghị nộp {{ amount }} ({{ description }}) để tiếp tục giải quyết. Tra cứu: {{ lookup_url }}",
    ),
    (Kind.RESULT_READY, EMAIL): (
        "Hồ sơ {{ dossier_code }} đã có kết quả",
        "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
        "Hồ sơ {{ dossier_code }} ({{ procedure_name }}) đã có kết quả: {{ results_text }}.\n"
        "Mời Ông/Bà nhận kết quả tại {{ unit_name }}{% if unit_address %} ({{ unit_address }}){% endif %}.\n"
        "Tra cứu hồ sơ: {{ lookup_url }}\n"
        "{% if rating_url %}\nMời Ông/Bà đánh giá mức độ hài lòng về việc giải quyết hồ sơ:\n{{ rating_url }}\n{% endif %}"
        + _SIGNATURE,
    ),
    (Kind.RESULT_READY, SMS): (
        "",
        "Hồ sơ {{ dossier_code }} đã có kết quả. Mời Ông/Bà nhận tại {{ unit_name }}."
        "{% if rating_url %} Đánh giá: {{ rating_url }}{% endif %}",
    ),
    (Kind.APOLOGY, EMAIL): (
        "Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {{ dossier_code }}",
        "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
        "{{ unit_name }} thành thật xin lỗi Ông/Bà vì hồ sơ {{ dossier_code }} ({{ procedure_name }}) "
        "chưa được giải quyết đúng hẹn.\n"
        "Lý do: {{ reason }}\n"
        "Ngày hẹn trả kết quả mới: {{ new_due_at }}.\n\n"
        "Mong Ông/Bà thông cảm.\nTra cứu hồ sơ: {{ lookup_url }}" + _SIGNATURE,
    ),
    (Kind.APOLOGY, SMS): (
        "",
        "{{ unit_name }} xin lỗi vì hồ sơ {{ dossier_code }} chậm giải quyết. Hẹn trả kết quả mới: {{ new_due_at }}. "
        "Tra cứu: {{ lookup_url }}",
    ),
    (Kind.REFUSED, EMAIL): (
        "{% if not_accepted %}Hồ sơ {{ dossier_code }} không được tiếp nhận{% else %}Hồ sơ {{ dossier_code }} bị từ chối giải quyết{% endif %}",
        "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
        "{% if not_accepted %}Hồ sơ {{ dossier_code }} ({{ procedure_name }}) nộp trực tuyến không được tiếp nhận."
        "{% else %}Hồ sơ {{ dossier_code }} ({{ procedure_name }}) bị từ chối giải quyết.{% endif %}\n"
        "Lý do: {{ reasons }}\n\n"
        "Mọi thắc mắc xin liên hệ {{ unit_name }}{% if unit_address %} ({{ unit_address }}){% endif %}.\n"
        "Tra cứu hồ sơ: {{ lookup_url }}" + _SIGNATURE,
    ),
    (Kind.REFUSED, SMS): (
        "",
        "Hồ sơ {{ dossier_code }} {% if not_accepted %}không được tiếp nhận{% else %}bị từ chối giải quyết{% endif %}. "
        "Lý do: {{ reasons }}",
    ),
    (Kind.FEEDBACK_ANSWERED, EMAIL): (
        "Phản ánh, kiến nghị {{ feedback_code }} đã được trả lời",
        "Kính gửi Ông/Bà {{ recipient_name }},\n\n"
        "Phản ánh, kiến nghị {{ feedback_code }}{% if feedback_title %} “{{ feedback_title }}”{% endif %} của Ông/Bà "
        "đã được {{ answered_by }} trả lời:\n\n{{ answer }}\n"
        "{% if feedback_url %}\nXem chi tiết: {{ feedback_url }}\n{% endif %}" + _SIGNATURE,
    ),
    (Kind.FEEDBACK_ANSWERED, SMS): (
        "",
        "Phản ánh, kiến nghị {{ feedback_code }} của Ông/Bà đã được {{ answered_by }} trả lời."
        "{% if feedback_url %} Xem: {{ feedback_url }}{% endif %}",
    ),
}


def seed_templates(model) -> None:
    """Create the missing template rows from the defaults (used by the data migration with its historical model)."""
    existing = set(model.objects.values_list("kind", "channel"))
    model.objects.bulk_create([
        model(kind=kind, channel=channel, subject=subject, body=body, enabled=True)
        for (kind, channel), (subject, body) in DEFAULT_TEMPLATES.items()
        if (str(kind), str(channel)) not in existing
    ])
