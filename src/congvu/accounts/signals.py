from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from congvu.accounts.middleware import start_session


@receiver(user_logged_in, dispatch_uid="congvu.accounts.start_session")
def _session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session(request.session)
