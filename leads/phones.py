"""Phone numbers to E.164, the way libphonenumber reads them.

Excel and hand-made lists mangle phone columns in a few known ways; each
gets its own error code so the report can say how to fix the file.
"""

import functools
import re
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import PhoneNumber

DEFAULT_COUNTRY = "DK"

# Invisible format characters that Word, Outlook and web forms leave in
# copied numbers; libphonenumber does not see through them.
INVISIBLE_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"
INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARACTERS))

# "4,47401E+11": Excel has already rounded the number, digits are lost.
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")

# Two numbers in one cell, e.g. "41 23 45 67 / 20 12 34 99".
# No quantifier: on a long cell of spaces a pattern that starts with \s*
# backtracks in quadratic time.
SEPARATOR = re.compile(r"[/;,&|]|\s(?:or|og|eller)\s", re.IGNORECASE)

# Longer than any phone number, however it is written.
LONGEST_PHONE_TEXT = 100

EXCEL_TEXT = re.compile(r'^="(.*)"$')

REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)

# Separators that libphonenumber ignores between digits.
PLAIN_SEPARATORS = str.maketrans("", "", " -.")
# The same, with what clean_phone_text() removes or turns into spaces.
PLAIN_CHARACTERS = str.maketrans("", "", " -.\u00a0" + INVISIBLE_CHARACTERS)


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

    Most cells hold national digits with spaces, dashes or dots between
    them; those take the shortcut of _plain_national_number() without
    first being cleaned, which gives the same digits. Anything else is
    read by _read_e164().
    """
    plain = _plain_digits(raw.translate(PLAIN_CHARACTERS), region)
    if plain is None:
        return _read_e164(raw, region)
    country_code, national = plain
    if not _region_rules(region).is_valid(national):
        raise _invalid(clean_phone_text(raw), region)
    return f"+{country_code}{national}"


def _read_e164(raw: str, region: str = DEFAULT_COUNTRY) -> str:
    """Return `raw` as an E.164 number or raise PhoneError.

    1. Excel's `="..."` text wrapper is removed.
    2. Scientific notation is refused: the digits are already gone.
    3. A leading `00` is read as `+`, so it overrides `region`.
    4. libphonenumber parses and validates the number for `region`.
    """
    text = clean_phone_text(raw)
    if not text:
        raise PhoneError("ROW_MISSING_PHONE", "The phone is empty; add a number.")
    if len(text) > LONGEST_PHONE_TEXT:
        raise PhoneError(
            "ROW_INVALID_PHONE",
            f"The phone '{shortened(text)}' is {len(text)} characters long, too "
            "long for a phone number. Put only the number in the phone column.",
        )
    if SCIENTIFIC.match(text):
        raise PhoneError(
            "ROW_PHONE_SCIENTIFIC_NOTATION",
            f"'{text}' is in scientific notation, so Excel has already thrown "
            "digits away. Format the phone column as Text in Excel, type the "
            "numbers again and export again.",
        )
    plain = _plain_national_number(text, region)
    if plain is not None:
        country_code, national = plain
        valid = _region_rules(region).is_valid(national)
    else:
        number = _parse(text, region)
        valid = number is not None and phonenumbers.is_valid_number(number)
        if valid:
            country_code = number.country_code
            national = phonenumbers.national_significant_number(number)
    if not valid:
        raise _invalid(text, region)
    return f"+{country_code}{national}"


def shortened(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _invalid(text: str, region: str) -> PhoneError:
    return PhoneError(
        "ROW_INVALID_PHONE",
        f"'{shortened(text)}' is not a valid phone number for {region}. Check the "
        "digits, or write it with + and the country code.",
    )


# A number is valid when it matches the general description and any one of
# these types; the order only matters for speed (common types first).
TYPE_DESCS = [
    "mobile",
    "fixed_line",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
]


@dataclass(frozen=True)
class RegionRules:
    """What the plain-digits shortcut needs from a region's metadata."""

    country_code: int
    country_prefix: str
    international: re.Pattern
    national_prefix: re.Pattern | None
    # (possible lengths, pattern) for the general description, then the
    # number types; None when the country code is shared between regions.
    general: tuple | None
    types: list[tuple]
    # Per length of the national number, one pattern doing all the checks
    # of is_valid(), or None when no number of that length is valid.
    by_length: dict = field(default_factory=dict, compare=False)

    def is_valid(self, national: str) -> bool:
        """libphonenumber's is_valid_number for a number of this region."""
        length = len(national)
        try:
            pattern = self.by_length[length]
        except KeyError:
            pattern = self.by_length[length] = self._pattern_for(length)
        return pattern is not None and pattern.fullmatch(national) is not None

    def _pattern_for(self, length: int) -> re.Pattern | None:
        """The general description, as a lookahead, then any type whose
        possible lengths allow `length`."""
        if self.general is None:
            return None
        lengths, general = self.general
        if lengths and length not in lengths:
            return None
        types = [
            f"(?:{pattern.pattern})"
            for lengths, pattern in self.types
            if not lengths or length in lengths
        ]
        if not types:
            return None
        return re.compile(f"(?=(?:{general.pattern})\\Z)(?:{'|'.join(types)})")


def _desc(number_desc) -> tuple | None:
    if number_desc is None or not number_desc.national_number_pattern:
        return None
    lengths = frozenset(number_desc.possible_length or ())
    return lengths, re.compile(number_desc.national_number_pattern)


@functools.cache
def _region_rules(region: str) -> RegionRules | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code)
    if regions != (region,):
        return None
    national_prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
    names = TYPE_DESCS
    if metadata.same_mobile_and_fixed_line_pattern:
        # libphonenumber then never tests the mobile pattern on its own.
        names = TYPE_DESCS[1:]
    types = [_desc(getattr(metadata, name)) for name in names]
    return RegionRules(
        country_code=metadata.country_code,
        country_prefix=str(metadata.country_code),
        international=re.compile(metadata.international_prefix or "(?!)"),
        national_prefix=re.compile(national_prefix) if national_prefix else None,
        general=_desc(metadata.general_desc),
        types=[desc for desc in types if desc is not None],
    )


def _plain_national_number(text: str, region: str) -> tuple[int, str] | None:
    """(country code, national number) of plain national digits, else None.

    parse() and is_valid_number() cost about 25 microseconds, most of a
    million-row import. For digits separated only by spaces, dashes or dots
    that start with neither 0, the region's country code, its international
    prefix nor its national prefix, parse() keeps the digits as they are, so
    the number is taken directly and checked against the region's patterns
    the way libphonenumber checks it. Anything else takes the full parse.
    Only regions with a country code of their own take this path.
    """
    return _plain_digits(text.translate(PLAIN_SEPARATORS), region)


def _plain_digits(digits: str, region: str) -> tuple[int, str] | None:
    """_plain_national_number() of text whose separators are removed."""
    if not (4 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()):
        return None
    rules = _region_rules(region)
    if rules is None or digits[0] == "0":
        return None
    if digits.startswith(rules.country_prefix) or rules.international.match(digits):
        return None
    if rules.national_prefix is not None and rules.national_prefix.match(digits):
        return None
    return rules.country_code, digits


def _parse(text: str, region: str) -> PhoneNumber | None:
    if _looks_like_two_numbers(text):
        raise PhoneError(
            "ROW_INVALID_PHONE",
            f"'{shortened(text)}' holds two numbers in one cell; put the second one in "
            "its own column.",
        )
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _looks_like_two_numbers(text: str) -> bool:
    parts = SEPARATOR.split(text)
    if len(parts) < 2:
        return False
    return sum(1 for part in parts if sum(c.isdigit() for c in part) >= 6) >= 2
