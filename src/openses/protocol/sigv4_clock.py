"""Request times in SigV4: their formats and the window in which a signature is valid."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from openses.protocol.sigv4_errors import AuthFailure, Flavour, auth_error, message

# A header-signed request is valid 15 minutes either side of the server clock.
CLOCK_SKEW = timedelta(minutes=15)
# A presigned URL lives at most 7 days: the signing key is only valid that long.
MAX_PRESIGNED_EXPIRES = 604_800

_ISO_BASIC = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
# RFC 9110 IMF-fixdate, and botocore's ``formatdate`` variant ending in "-0000".
_HTTP_DATE = re.compile(
    r"(?:[A-Za-z]{3}, *)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
    r"(?:GMT|UTC|[+-]0000)",
    re.ASCII,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EXPIRES = re.compile(r"-?[0-9]+", re.ASCII)


def request_amz_date(value: str, flavour: Flavour, *, may_be_http_date: bool) -> str:
    """The request time as the string to sign carries it (ISO 8601 basic format).

    ``X-Amz-Date`` must already be in that form. A ``Date`` header may also be an
    RFC 9110 date: botocore then still signs the ISO 8601 basic form.
    """
    try:
        if _ISO_BASIC.fullmatch(value):
            return format_amz_date(parse_amz_date(value))
        http_date = _HTTP_DATE.fullmatch(value) if may_be_http_date else None
        if http_date is not None:
            return format_amz_date(_parse_http_date(http_date))
    except ValueError:
        pass
    raise auth_error(AuthFailure.INCOMPLETE_SIGNATURE, flavour, message("bad_date", value=value))


def parse_amz_date(value: str) -> datetime:
    """``20130524T000000Z`` as an aware UTC datetime; ``ValueError`` if it is no such date."""
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _parse_http_date(match: re.Match[str]) -> datetime:
    day, month_name, year, hour, minute, second = match.groups()
    if month_name.lower() not in _MONTHS:
        raise ValueError(month_name)
    month = _MONTHS.index(month_name.lower()) + 1
    return datetime(int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=UTC)


def format_amz_date(moment: datetime) -> str:
    # Not strftime: "%Y" drops the zero padding of years before 1000 on glibc.
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}Z"
    )


def presigned_expires(raw: str | None, flavour: Flavour) -> int | None:
    """``X-Amz-Expires`` in seconds: 0 to 604800 (7 days), or ``None`` when absent.

    Without it a presigned URL gets the same 15-minute window as a signed header.
    """
    if raw is None:
        return None
    significant_digits = raw.lstrip("0")
    if not _EXPIRES.fullmatch(raw):
        key = "expires_not_a_number"
    elif raw.startswith("-"):
        key = "expires_negative"
    # Length first: int() of thousands of digits is slow or refused outright.
    elif len(significant_digits) > 6 or int(raw) > MAX_PRESIGNED_EXPIRES:
        key = "expires_too_long"
    else:
        return int(raw)
    raise auth_error(AuthFailure.INCOMPLETE_SIGNATURE, flavour, message(key))


def check_clock(signed: datetime, expires: int | None, now: datetime, flavour: Flavour) -> None:
    """15 minutes of skew either way; a presigned URL lives ``X-Amz-Expires`` seconds.

    Differences are compared rather than ``signed + expires`` computed, which
    cannot overflow whatever year the client wrote.
    """
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    if signed - now > CLOCK_SKEW:
        text = message(
            "signature_not_yet_current",
            signed=format_amz_date(signed),
            latest=format_amz_date(now + CLOCK_SKEW),
            now=format_amz_date(now),
        )
        raise auth_error(AuthFailure.INVALID_SIGNATURE, flavour, text)
    if expires is not None:
        if now - signed > timedelta(seconds=expires):
            raise auth_error(AuthFailure.REQUEST_EXPIRED, flavour, message("request_expired"))
    elif now - signed > CLOCK_SKEW:
        text = message(
            "signature_expired",
            signed=format_amz_date(signed),
            earliest=format_amz_date(now - CLOCK_SKEW),
            now=format_amz_date(now),
        )
        raise auth_error(AuthFailure.INVALID_SIGNATURE, flavour, text)
