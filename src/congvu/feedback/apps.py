from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Satisfaction ratings (SIPAS, Decree 61) and feedback and complaints (PAKN)."""

    name = "congvu.feedback"
    label = "feedback"
    verbose_name = "Đánh giá và phản ánh, kiến nghị"
