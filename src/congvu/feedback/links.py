"""The rating link only the applicant gets: a signed token naming the dossier, sent with the result
notification and shown on the lookup page to whoever proved to be the applicant."""

from __future__ import annotations

from urllib.parse import quote

from django.core import signing
from django.urls import reverse

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
