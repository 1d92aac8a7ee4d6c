"""Install the inspection checklists shipped in people/data (Decision 1847/QĐ-TTg pillars and Decision
129/2007/QĐ-TTg office rules). Idempotent: items already there are left as an administrator edited them."""

from django.core.management.base import BaseCommand

from congvu.people.services import install_shipped_checklists


class Command(BaseCommand):
    help = "Cài đặt bộ tiêu chí kiểm tra công vụ kèm theo phần mềm (chạy lại không thay đổi gì)."

    def handle(self, *args, **options):
        for template, changed in install_shipped_checklists():
            state = "đã cài đặt/bổ sung" if changed else "đã có sẵn"
            self.stdout.write(f"{template.name} ({template.code}): {state}, {template.items.count()} tiêu chí.")
