"""What the citizen portal stores of its own: request counters for rate limiting.

The lookup page answers "does this code and these four digits match?"; without a limit anyone could try
all 10,000 endings of a code. The counters live in the database rather than in process memory because
the server runs several worker processes (granian, 2 workers by default) and a limit each process counted
for itself would be several times too generous. Keys are keyed hashes, never the IP address or the code
in clear, so the table holds no personal data.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RateLimitCounter(models.Model):
    """Requests seen for one key (a client address or a dossier code, hashed) in one fixed time window."""

    key = models.CharField(_("key"), max_length=64)
    window_start = models.DateTimeField(_("window start"), db_index=True)
    count = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="portal_ratelimit_key_window_unique")]

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.window_start:%Y-%m-%d %H:%M} = {self.count}"
