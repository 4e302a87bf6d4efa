"""The client's wall clock: its time zone, and times typed in it.

Managers and phoners type callback times as they read them on the office
clock; these helpers turn them into moments, refusing the wall-clock times
that a daylight-saving change skips or repeats.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError

from adversus.models import ClientSettings

# Dates a call centre can mean; year 1 or 9999 falls off the calendar once
# turned into UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def within_calendar(value: date) -> None:
    """Refuse a date or datetime outside FIRST_YEAR to LAST_YEAR."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            f"{value.year} is out of range; pick a date between {FIRST_YEAR} "
            f"and {LAST_YEAR}."
        )


class InvalidLocalTime(ValueError):
    """The typed time cannot be read, does not exist or is ambiguous."""


def client_time_zone() -> ZoneInfo:
    name = ClientSettings.load().time_zone or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def parse_local_time(value: str, zone: ZoneInfo) -> datetime:
    """Read a datetime-local value ("2026-03-29T14:00") typed in `zone`.

    A wall-clock time skipped by a spring-forward change does not exist,
    and one repeated by a fall-back change is ambiguous; both are refused
    with a message rather than silently shifted by an hour.
    """
    try:
        local = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidLocalTime(
            "Enter the callback time as date and time, e.g. 2026-05-04 14:30."
        ) from None
    if local.tzinfo is not None:
        return local
    local = local.replace(tzinfo=zone)
    shown = local.strftime("%d %b %Y %H:%M")

    try:
        round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(zone)
    except OverflowError:
        # Year 1 or 9999 falls off the calendar when turned into UTC.
        raise InvalidLocalTime(
            f"{shown} is out of range. Pick a date in the coming months."
        ) from None
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidLocalTime(
            f"{shown} does not exist in {zone.key}: the clocks jump forward "
            "then. Pick a time an hour later or earlier."
        )
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        raise InvalidLocalTime(
            f"{shown} happens twice in {zone.key}: the clocks go back then. "
            "Pick a time outside that hour."
        )
    return local
