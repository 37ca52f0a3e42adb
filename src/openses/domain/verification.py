"""How a DNS-verified setting moves through SES's statuses, and when to look again.

One rule serves the three things openses verifies by DNS — a domain's TXT
token, its DKIM records and its custom MAIL FROM MX record — because SES
describes them alike (Developer Guide, "MAIL FROM domain setup states", and the
BYODKIM announcement's DKIM statuses):

* ``Pending``: searching; the records have not been seen yet.
* ``Success``: the records were found. SES keeps checking; when they disappear
  it warns and gives a deadline to re-publish before it revokes the setting
  ("Troubleshooting DKIM"): here the status stays ``Success`` (mail keeps being
  signed, the MAIL FROM kept) while the records stay missing for less than
  ``SEARCH_WINDOW``, then it becomes ``Failed``.
* ``TemporaryFailure``: a DNS error (SERVFAIL, timeout) kept the answer from
  being known; the search goes on.
* ``Failed``: not found within 72 hours of the search's start ("Amazon SES
  searches ... for up to 72 hours"), or gone for that long after success. No
  more checks until the customer restarts the setup.

A search starts when the setting is made (``searching_since``) or when a
verified record is first missed; finding the record ends it (``None``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from openses.domain.identities import VerificationStatus

SEARCH_WINDOW = dt.timedelta(hours=72)
# Verified settings are re-checked this often, so a removed record is noticed.
RECHECK_VERIFIED = dt.timedelta(hours=4)
# While something is searched for: soon after the change, then less and less often.
SEARCH_BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
)
SEARCH_INTERVAL = dt.timedelta(hours=1)

ACTIVE = frozenset(
    {VerificationStatus.PENDING, VerificationStatus.SUCCESS, VerificationStatus.TEMPORARY_FAILURE}
)


class VerificationError(StrEnum):
    """Why a check did not find what it looked for (SES v2 ``VerificationInfo.ErrorType``)."""

    SERVICE_ERROR = "SERVICE_ERROR"  # openses itself could not check (temporary)
    DNS_SERVER_ERROR = "DNS_SERVER_ERROR"  # SERVFAIL, REFUSED, timeout (temporary)
    HOST_NOT_FOUND = "HOST_NOT_FOUND"  # NXDOMAIN
    TYPE_NOT_FOUND = "TYPE_NOT_FOUND"  # the name exists without records of that type
    INVALID_VALUE = "INVALID_VALUE"  # records found, none with the expected value

    @property
    def temporary(self) -> bool:
        return self in (VerificationError.SERVICE_ERROR, VerificationError.DNS_SERVER_ERROR)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check of one setting saw: found, or the reason it was not."""

    error: VerificationError | None = None

    @property
    def found(self) -> bool:
        return self.error is None

    @property
    def temporary(self) -> bool:
        return self.error is not None and self.error.temporary


FOUND = CheckResult()


def combine(results: list[CheckResult]) -> CheckResult:
    """All of ``results`` must be found (Easy DKIM's three records); else the worst reason.

    A temporary failure wins over "not found": the answer is not known yet.
    """
    missing = [result for result in results if not result.found]
    if not missing:
        return FOUND
    return next((result for result in missing if result.temporary), missing[0])


@dataclass(frozen=True, slots=True)
class Progress:
    """One verified setting: its status and since when its records are searched for."""

    status: VerificationStatus
    searching_since: dt.datetime | None = None

    @property
    def active(self) -> bool:
        """Still checked: searching, or verified and watched."""
        return self.status in ACTIVE

    @property
    def deadline(self) -> dt.datetime | None:
        """When the current search gives up, if one is running."""
        if not self.active or self.searching_since is None:
            return None
        return self.searching_since + SEARCH_WINDOW

    def advance(self, result: CheckResult, now: dt.datetime) -> Progress:
        """The progress after a check that saw ``result`` at ``now``."""
        if not self.active:
            return self  # Failed (or never started): only the customer restarts it
        if result.found:
            return Progress(VerificationStatus.SUCCESS, None)
        since = self.searching_since or now
        if now - since >= SEARCH_WINDOW:
            return Progress(VerificationStatus.FAILED, since)
        if self.status is VerificationStatus.SUCCESS:
            return Progress(VerificationStatus.SUCCESS, since)  # missing: the grace period
        if result.temporary:
            return Progress(VerificationStatus.TEMPORARY_FAILURE, since)
        return Progress(VerificationStatus.PENDING, since)


def overall_status(statuses: list[VerificationStatus]) -> VerificationStatus | None:
    """A domain's status from its ways of being verified (TXT token, DKIM): the best one.

    ``None`` when there is nothing to go by.
    """
    for status in (
        VerificationStatus.SUCCESS,
        VerificationStatus.TEMPORARY_FAILURE,
        VerificationStatus.PENDING,
        VerificationStatus.FAILED,
    ):
        if status in statuses:
            return status
    return None


def next_check(now: dt.datetime, failures: int, deadlines: list[dt.datetime]) -> dt.datetime:
    """When to look again after a check.

    ``failures``: consecutive checks that missed something (0: everything was found).
    A running search is checked once more at its deadline, so it fails on time.
    """
    if failures == 0:
        delay = RECHECK_VERIFIED
    elif failures <= len(SEARCH_BACKOFF):
        delay = SEARCH_BACKOFF[failures - 1]
    else:
        delay = SEARCH_INTERVAL
    return min([now + delay, *(deadline for deadline in deadlines if deadline > now)])
