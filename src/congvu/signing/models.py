"""Certificates congvu signs with. The certificate itself is public and kept in the database; the private key
stays in a file under the data directory (CONGVU_DATA_DIR/signing/keys/), encrypted with a passphrase derived
from the site's secret key and readable only by the server's user, so a database dump or a copy of the media
folder gives nobody the power to sign as a unit."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SigningAuthority(models.Model):
    """A certification authority whose certificates the verification page trusts, and which may issue unit
    certificates when congvu holds its key (the demo CA). A province using a licensed provider's CA enters
    its certificate without a key file."""

    name = models.CharField(_("name"), max_length=255)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    key_file = models.CharField(_("key file"), max_length=255, blank=True, help_text=_("Inside the signing folder of the data directory; empty when congvu does not hold the key."))
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    is_demo = models.BooleanField(_("demo"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certification authority")
        verbose_name_plural = _("certification authorities")
        ordering = ["-not_before"]

    def __str__(self) -> str:
        return self.name


class UnitCertificate(models.Model):
    """A unit's signing certificate. A unit may have several over time (renewal); documents are signed with
    the newest one valid now and not revoked."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="signing_certificates")
    authority = models.ForeignKey(SigningAuthority, verbose_name=_("issued by"), null=True, blank=True, on_delete=models.PROTECT, related_name="certificates")
    subject = models.CharField(pgettext_lazy("of a certificate", "subject"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=64)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    key_file = models.CharField(_("key file"), max_length=255)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit certificate")
        verbose_name_plural = _("unit certificates")
        ordering = ["unit", "-not_before"]
        indexes = [models.Index(fields=["unit", "not_after"])]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"
