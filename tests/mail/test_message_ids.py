from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.mail.message_ids import (
    SES_MESSAGE_ID_DOMAIN,
    MessageIdFactory,
    format_message_id,
    message_id_header_value,
    parse_message_id,
)

SES_ID = re.compile(
    r"^0100[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$"
)
FIXED_UUID = uuid.UUID("3f2a9c1d-6e5b-4c8a-9d7e-1a2b3c4d5e6f")


class FixedClock:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment


def test_id_is_prefix_millis_uuid_and_six_zeros() -> None:
    moment = dt.datetime.fromtimestamp(0x018C4A1F7E2B / 1000, dt.UTC)
    assert (
        format_message_id(moment, FIXED_UUID)
        == "0100018c4a1f7e2b-3f2a9c1d-6e5b-4c8a-9d7e-1a2b3c4d5e6f-000000"
    )


def test_factory_takes_time_and_uniqueness_from_its_sources() -> None:
    clock = FixedClock(dt.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=dt.UTC))
    uuids = iter([FIXED_UUID, uuid.UUID(int=1)])
    factory = MessageIdFactory(clock, lambda: next(uuids))
    first, second = factory.new_id(), factory.new_id()
    assert SES_ID.match(first)
    assert SES_ID.match(second)
    assert first != second
    parsed = parse_message_id(first)
    assert parsed is not None
    assert parsed.timestamp == clock.moment
    assert parsed.unique == FIXED_UUID


def test_default_uuid_source_gives_distinct_ids_at_the_same_instant() -> None:
    factory = MessageIdFactory(FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))
    ids = {factory.new_id() for _ in range(50)}
    assert len(ids) == 50


def test_message_id_header_wraps_the_id_with_the_given_domain() -> None:
    assert message_id_header_value("abc-000000") == "<abc-000000@email.amazonses.com>"
    assert SES_MESSAGE_ID_DOMAIN == "email.amazonses.com"
    assert message_id_header_value("abc", "mail.example.org") == "<abc@mail.example.org>"


@pytest.mark.parametrize("domain", ["", "a b", "x@y", "x>\r\nBcc: y", "<x>"])
def test_unusable_message_id_domains_are_refused(domain: str) -> None:
    with pytest.raises(ValueError, match="Message-ID domain"):
        message_id_header_value("abc", domain)


def test_naive_timestamps_and_bad_prefixes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_message_id(dt.datetime(2024, 1, 1), FIXED_UUID)
    with pytest.raises(ValueError, match="prefix"):
        format_message_id(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), FIXED_UUID, prefix="01")


@pytest.mark.parametrize(
    "text",
    ["", "0100018c4a1f7e2b", "0100018c4a1f7e2b-not-a-uuid-000000", "x" * 60],
)
def test_non_ses_ids_do_not_parse(text: str) -> None:
    assert parse_message_id(text) is None


@settings(max_examples=25, deadline=None)
@given(
    moment=st.datetimes(
        min_value=dt.datetime(1970, 1, 1),
        max_value=dt.datetime(9999, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    unique=st.uuids(),
)
def test_ids_parse_back_to_their_millisecond_and_uuid(
    moment: dt.datetime, unique: uuid.UUID
) -> None:
    message_id = format_message_id(moment, unique)
    assert SES_ID.match(message_id)
    parsed = parse_message_id(message_id)
    assert parsed is not None
    assert parsed.unique == unique
    assert parsed.timestamp == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
