"""Demo feedback for `congvu demo`: three items about the Hoàn Kiếm ward, one past its deadline, one answered
and published, one just received — enough to see the staff list, its overdue mark and the public answers.
Everything goes through the services, with times set in the past."""

import datetime as dt
import sys
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

WARD = "00070"
DESK = "00070-TTPVHCC"


def load(stdout: TextIO = sys.stdout) -> None:
    from congvu.catalog import selectors as catalog_selectors
    from congvu.feedback import services
    from congvu.feedback.services import FeedbackInput
    from congvu.units.models import Unit

    ward = Unit.objects.filter(code=WARD).first()
    desk = Unit.objects.filter(code=DESK).first()
    if ward is None or desk is None:
        return
    User = get_user_model()
    leader = User.objects.filter(username="lanhdao").first()
    officer = User.objects.filter(username="motcua").first()
    procedure = catalog_selectors.procedure_by_code("1.001193")
    now = timezone.now()
    print("Tạo phản ánh, kiến nghị mẫu…", file=stdout, flush=True)
    with transaction.atomic():
        services.submit_feedback(FeedbackInput(
            subject_kind="unit", unit=desk, nature="report", title="Chờ quá lâu tại quầy tiếp nhận",
            content="Sáng thứ Hai tôi chờ hơn hai giờ mới được tiếp nhận hồ sơ, trong khi chỉ có một quầy làm việc.",
            sender_name="Trần Thị Bình", sender_phone="0987 111 222",
        ), at=now - dt.timedelta(days=30))
        answered = services.submit_feedback(FeedbackInput(
            subject_kind="procedure", unit=ward, procedure=procedure, nature="recommendation",
            title="Đề nghị cho nộp bản chụp giấy chứng sinh qua mạng",
            content="Tôi đề nghị phường chấp nhận bản chụp giấy chứng sinh khi nộp hồ sơ đăng ký khai sinh trực tuyến.",
            sender_email="cong.dan@example.invalid",
        ), at=now - dt.timedelta(days=6))
        if leader is not None:
            answered = services.accept_feedback(answered, officer or leader, at=now - dt.timedelta(days=5))
            answered = services.answer_feedback(answered, leader, (
                "Phường tiếp thu kiến nghị. Từ tháng này, hồ sơ đăng ký khai sinh trực tuyến được nộp bản chụp giấy chứng sinh; "
                "bản chính xuất trình khi nhận kết quả."
            ), at=now - dt.timedelta(days=3))
            services.publish_feedback(answered, officer or leader, (
                "Công dân đề nghị cho nộp bản chụp giấy chứng sinh khi đăng ký khai sinh trực tuyến."
            ), at=now - dt.timedelta(days=2))
        services.submit_feedback(FeedbackInput(
            subject_kind="officer", unit=desk, officer=officer, nature="report", title="Cán bộ hướng dẫn tận tình",
            content="Tôi muốn ghi nhận cán bộ tiếp nhận đã hướng dẫn rất tận tình, chỉ một lần là hoàn thiện hồ sơ.",
        ), at=now - dt.timedelta(hours=2))
