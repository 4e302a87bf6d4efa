"""Phone numbers to E.164, the way libphonenumber reads them.

Excel and hand-made lists mangle phone columns in a few known ways; each
gets its own error code so the report can say how to fix the file.
"""

import re

import phonenumbers

DEFAULT_COUNTRY = "DK"

# Invisible format characters that Word, Outlook and web forms leave in
# copied numbers; libphonenumber does not see through them.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

# "4,47401E+11": Excel has already rounded the number, digits are lost.
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")

# Two numbers in one cell, e.g. "41 23 45 67 / 20 12 34 99".
SEPARATOR = re.compile(r"\s*(?:/|;|,|&|\|| or | og | eller )\s*", re.IGNORECASE)

EXCEL_TEXT = re.compile(r'^="(.*)"$')

REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


class PhoneError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def region_for(country: str, default: str = DEFAULT_COUNTRY) -> str:
    """The row's country when it is an ISO 3166 alpha-2 code, else `default`."""
    code = country.strip().upper()
    return code if code in REGIONS else default


def clean_phone_text(raw: str) -> str:
    """Drop invisible characters anywhere and unusual spaces at the ends."""
    text = raw.translate(INVISIBLE).replace("\u00a0", " ").strip()
    match = EXCEL_TEXT.match(text)
    return match.group(1).strip() if match else text


def to_e164(raw: str, region: str = DEFAULT_COUNTRY) -> str:
    """Return `raw` as an E.164 number or raise PhoneError.

    1. Excel's `="..."` text wrapper is removed.
    2. Scientific notation is refused: the digits are already gone.
    3. A leading `00` is read as `+`, so it overrides `region`.
    4. libphonenumber parses and validates the number for `region`.
    """
    text = clean_phone_text(raw)
    if not text:
        raise PhoneError("ROW_MISSING_PHONE", "The phone is empty; add a number.")
    if SCIENTIFIC.match(text):
        raise PhoneError(
            "ROW_PHONE_SCIENTIFIC_NOTATION",
            f"'{text}' is in scientific notation, so Excel has already thrown "
            "digits away. Format the phone column as Text in Excel, type the "
            "numbers again and export again.",
        )
    if _looks_like_two_numbers(text):
        raise PhoneError(
            "ROW_INVALID_PHONE",
            f"'{text}' holds two numbers in one cell; put the second one in "
            "its own column.",
        )
    if text.startswith("00"):
        text = "+" + text[2:]

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneError(
            "ROW_INVALID_PHONE",
            f"'{text}' is not a valid phone number for {region}. Check the "
            "digits, or write it with + and the country code.",
        )
    national = phonenumbers.national_significant_number(number)
    return f"+{number.country_code}{national}"


def _looks_like_two_numbers(text: str) -> bool:
    parts = SEPARATOR.split(text)
    if len(parts) < 2:
        return False
    return sum(1 for part in parts if sum(c.isdigit() for c in part) >= 6) >= 2
