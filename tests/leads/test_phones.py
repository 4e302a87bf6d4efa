"""Phones come out as libphonenumber gives them; e-mails as Django checks them."""

import phonenumbers
import pytest
from django.core.validators import validate_email
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from leads.importing import PLAIN_EMAIL
from leads.phones import PhoneError, to_e164


def libphonenumber(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ours(text: str, region: str) -> str | None:
    try:
        return to_e164(text, region)
    except PhoneError:
        return None


@settings(max_examples=3000, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=4, max_size=14),
    separator=st.sampled_from(["", " ", "-", "."]),
    region=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
)
def test_plain_digits_agree_with_libphonenumber(digits, separator, region):
    # A leading 00 is read as + in every region on purpose (the contract).
    assume(not digits.startswith("00"))
    text = separator.join(digits[i : i + 2] for i in range(0, len(digits), 2))

    assert ours(text, region) == libphonenumber(text, region)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ('="004531234567"', "DK", "+4531234567"),
        ("0045 31 23 45 67", "US", "+4531234567"),
        ("+1 201-555-0124", "DK", "+12015550124"),
        ("4520123456", "DK", "+4520123456"),
    ],
)
def test_prefixes_and_excel_text_wrapper(raw, region, expected):
    assert to_e164(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("4,47401E+11", "ROW_PHONE_SCIENTIFIC_NOTATION"),
        ("4.91512e+12", "ROW_PHONE_SCIENTIFIC_NOTATION"),
        ("20 12 34 56 / 31 23 45 67", "ROW_INVALID_PHONE"),
        ("", "ROW_MISSING_PHONE"),
        ("ring mig", "ROW_INVALID_PHONE"),
    ],
)
def test_refused_phones_say_why(raw, code):
    with pytest.raises(PhoneError) as error:
        to_e164(raw, "DK")

    assert error.value.code == code


@settings(max_examples=200, deadline=None)
@given(st.from_regex(PLAIN_EMAIL, fullmatch=True))
def test_every_address_the_email_shortcut_accepts_django_accepts(address):
    assume(len(address) <= 254)

    validate_email(address)
