"""The masked forms shown in lists, exports and logs: enough to recognise, not enough to copy."""

import pytest

from congvu.privacy.masking import mask_email, mask_personal_id, mask_phone, mask_recipient


@pytest.mark.parametrize(("value", "masked"), [
    ("001090012345", "0010****2345"), ("", ""), (None, ""), ("12345678", "********"), ("  001090012345 ", "0010****2345"),
])
def test_personal_id(value, masked):
    assert mask_personal_id(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("+84912345678", "091****678"), ("", ""), ("0912 345 678", "091****678"), ("12", "***"), ("abc", "***"),
])
def test_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("an.nguyen@example.vn", "a***@example.vn"), ("", ""), ("not-an-address", "********"), ("@x.vn", "*****"), ("a@", "**"),
])
def test_email(value, masked):
    assert mask_email(value) == masked


def test_recipient_is_masked_as_email_or_phone():
    assert mask_recipient("an@example.vn") == "a***@example.vn"
    assert mask_recipient("+84912345678") == "091****678"


def test_the_old_homes_give_the_same_answer():
    """The helpers other apps imported before this module existed are this module's functions."""
    from congvu.dossiers.templatetags.dossier_tags import mask_personal_id as from_dossiers
    from congvu.notify.worker import mask_recipient as from_worker

    assert from_dossiers("001090012345") == mask_personal_id("001090012345")
    assert from_worker("an@example.vn") == mask_recipient("an@example.vn")
