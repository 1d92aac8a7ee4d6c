"""Indicator schemes are configuration a reform office versions: a new row from a day on, validated by the same
loader the dashboards use, so a scheme whose points do not add up is refused with the reason in Vietnamese."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from congvu.indices.models import IndicatorScheme


class IndicatorSchemeForm(forms.ModelForm):
    definition = forms.JSONField(
        label=_("definition"), widget=forms.Textarea(attrs={"rows": 30, "cols": 100}),
        encoder=None, error_messages={"invalid": "Định nghĩa không phải JSON hợp lệ."},
    )

    class Meta:
        model = IndicatorScheme
        fields = ["effective_from", "name", "legal_basis", "definition"]
        error_messages = {"effective_from": {"unique": "Đã có một phiên bản bộ chỉ số áp dụng từ ngày này."}}


@admin.register(IndicatorScheme)
class IndicatorSchemeAdmin(admin.ModelAdmin):
    form = IndicatorSchemeForm
    list_display = ["effective_from", "name", "legal_basis", "updated_at"]
    search_fields = ["name", "legal_basis"]
    date_hierarchy = "effective_from"
