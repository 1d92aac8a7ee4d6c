"""The rating link only the applicant gets: a signed token naming the dossier, sent with the result
notification and shown on the lookup page to whoever proved to be the applicant."""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

RATING_SALT = "congvu.rating"


def rating_token(dossier) -> str:
    return signing.dumps(dossier.code, salt=RATING_SALT, compress=False)


def dossier_code_from_rating_token(token: str) -> str:
    """The dossier code a rating token names; raises signing.BadSignature when it was altered."""
    code = signing.loads(token, salt=RATING_SALT)
    if not isinstance(code, str) or not code:
        raise signing.BadSignature("rating token without a dossier code")
    return code


def rating_url(dossier, request=None) -> str:
    path = reverse("feedback:rate", args=[quote(rating_token(dossier), safe=":")])
    if request is not None:
        return request.build_absolute_uri(path)
    from congvu.dossiers.letters import public_base_url

    return public_base_url() + path


# ---------------------------------------------------------------------------------------------------
# Tracking feedback: the code is printed and read aloud, so it is no secret; the page also needs this token,
# which only the sender gets (on the confirmation page and in the notification). It is derived from the code
# with the installation's secret key, so nothing secret is stored and the link can be rebuilt for a message.

TRACKING_SALT = "congvu.feedback.tracking"


def tracking_token(code: str) -> str:
    digest = salted_hmac(TRACKING_SALT, code, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def tracking_token_matches(code: str, token: str | None) -> bool:
    return bool(token) and constant_time_compare(tracking_token(code), str(token))


def tracking_url(code: str, request=None) -> str:
    path = reverse("feedback:track", args=[code]) + "?" + urlencode({"t": tracking_token(code)})
    if request is not None:
        return request.build_absolute_uri(path)
    from congvu.dossiers.letters import public_base_url

    return public_base_url() + path
