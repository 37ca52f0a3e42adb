"""DKIM signing, checked by three independent verifiers with locally supplied keys.

dkimpy, OpenDKIM's libopendkim and (for RSA) Perl's Mail::DKIM must all accept every
signature we make and reject every tampered message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openses.mail.dkim import (
    DkimSigningKey,
    generate_key,
    public_key_txt,
    sign,
    sign_message,
    sign_message_with_keys,
)
from tests.mail.dkim_verifiers import (
    KeyRecords,
    OpenDkim,
    dkimpy_verify_all,
    perl_mail_dkim_available,
    perl_mail_dkim_verify_all,
)

T = 1_700_000_000  # t= in the past: verifiers reject signatures from the future
FAR_FUTURE = 4_000_000_000

HEAD = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Subject: Hello\r\n"
    b"Date: Tue, 02 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=UTF-8\r\n"
)
SIMPLE = HEAD + b"\r\nHello Bob.\r\n"
MESSAGES: dict[str, bytes] = {
    "simple": SIMPLE,
    "folded headers": HEAD
    + b"Cc: carol@example.org,\r\n  dave@example.org,\r\n\terin@example.org\r\n"
    + b"References: <a@example.com>\r\n <b@example.com>\r\n\r\nBody.\r\n",
    "repeated headers": b"Received: from a by b; Tue, 02 Jan 2024 10:00:00 +0000\r\n"
    + b"Received: from c by d; Tue, 02 Jan 2024 09:59:00 +0000\r\n"
    + HEAD
    + b"To: second-to@example.org\r\nCc: c1@example.org\r\nCc: c2@example.org\r\n"
    + b"List-Unsubscribe: <mailto:u@example.com>\r\n"
    + b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    + b"Feedback-ID: a:b:c:ses\r\nX-SES-Configuration-Set: cs\r\nReturn-Path: <r@example.com>\r\n"
    + b"Bounces-To: b@example.com\r\n\r\nBody.\r\n",
    "trailing whitespace": b"From: Alice <alice@example.com>  \t\r\nSubject:  spaced \t out  \r\n"
    + b"To:bob@example.org \r\n\r\nline one  \t\r\n\t\r\n  indented\t  line\r\n \r\n\t\r\n\r\n",
    "empty body": HEAD + b"\r\n",
    "no header/body separator": HEAD,
    "body without final CRLF": HEAD + b"\r\nfirst\r\nlast line, no newline  ",
    "bare LF": (HEAD + b"\r\nline 1\r\n  line 2 \r\n\r\n\r\n").replace(b"\r\n", b"\n"),
    "bare CR and mixed": HEAD.replace(b"\r\n", b"\r", 2) + b"\nmixed\rline\r\nends\n",
    "8-bit UTF-8": "From: Jörg Müller <joerg@example.com>\r\nTo: Zoë <zoe@example.org>\r\n"
    "Subject: Grüße aus Köln ☃\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    "Grüße — ☃ ünïcödé\r\n".encode(),
    "very long headers": HEAD
    + b"Cc: "
    + b",\r\n ".join(b"user%d@example.org" % i for i in range(80))
    + b"\r\nX-Long: "
    + b"x" * 900
    + b"\r\nReferences: "
    + b" ".join(b"<%d@example.com>" % i for i in range(50))
    + b"\r\n\r\nBody.\r\n",
    "multipart": HEAD.replace(b"text/plain; charset=UTF-8", b'multipart/alternative; boundary="b1"')
    + b"\r\n--b1\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
    + b"--b1\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b1--\r\n",
    "dots and From lines": HEAD + b"\r\n.\r\n..leading dots\r\nFrom the start\r\n.\r\n",
}


@pytest.fixture(scope="module")
def keys() -> dict[str, DkimSigningKey]:
    return {
        "rsa-2048": DkimSigningKey("example.com", "rsa2048", generate_key("rsa", 2048)),
        "rsa-1024": DkimSigningKey("example.com", "rsa1024", generate_key("rsa", 1024)),
        "ed25519": DkimSigningKey("example.com", "ed", generate_key("ed25519")),
        "ses-rsa": DkimSigningKey("amazonses.com", "ug7nbtf4g", generate_key("rsa", 2048)),
    }


@pytest.fixture(scope="module")
def records(keys: dict[str, DkimSigningKey]) -> dict[str, str]:
    return {key.dns_name: public_key_txt(key.private_key) for key in keys.values()}


def _require(available: bool, package: str) -> None:
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Debian package {package} is required in CI")
    pytest.skip(f"needs Debian package {package}")


@pytest.fixture(scope="module")
def opendkim() -> OpenDkim:
    _require(OpenDkim.available(), "opendkim-tools (libopendkim11)")
    return OpenDkim()


@pytest.fixture(scope="module")
def mail_dkim() -> None:
    _require(perl_mail_dkim_available(), "libmail-dkim-perl")


Verdicts = Callable[[bytes], dict[str, list[bool]]]


@pytest.fixture
def verdicts(opendkim: OpenDkim, mail_dkim: None, records: KeyRecords) -> Verdicts:
    """Every verifier's pass/fail per signature, top signature first."""

    def judge(message: bytes) -> dict[str, list[bool]]:
        results = {
            "dkimpy": dkimpy_verify_all(message, records),
            "libopendkim": [r.passed for r in opendkim.verify_all(message, records)],
        }
        if b"a=ed25519-sha256" not in message:  # Debian 12's Mail::DKIM has no Ed25519
            perl = perl_mail_dkim_verify_all(message, records)
            results["Mail::DKIM"] = [r.passed for r in perl]
        return results

    return judge


def _all_pass(results: dict[str, list[bool]], signatures: int = 1) -> bool:
    return all(verdict == [True] * signatures for verdict in results.values())


def _all_fail(results: dict[str, list[bool]]) -> bool:
    return all(verdict and not any(verdict) for verdict in results.values())


@pytest.mark.parametrize("key_name", ["rsa-2048", "rsa-1024", "ed25519"])
@pytest.mark.parametrize("message_name", list(MESSAGES))
def test_every_verifier_accepts_the_signature(
    keys: dict[str, DkimSigningKey], verdicts: Verdicts, key_name: str, message_name: str
) -> None:
    signed = sign_message(MESSAGES[message_name], keys[key_name], timestamp=T)
    results = verdicts(signed)
    assert _all_pass(results), results


def test_whitespace_before_the_colon_is_canonicalized_away(
    keys: dict[str, DkimSigningKey], opendkim: OpenDkim, mail_dkim: None, records: KeyRecords
) -> None:
    # RFC 5322 §4.5.3 obsolete syntax "To : x"; RFC 6376 §3.4.2 drops WSP around the
    # colon. dkimpy refuses such a message outright, so only the other two judge it.
    message = SIMPLE.replace(b"To: ", b"To : ")
    signed = sign_message(message, keys["rsa-2048"], timestamp=T)
    assert [r.passed for r in opendkim.verify_all(signed, records)] == [True]
    assert [r.passed for r in perl_mail_dkim_verify_all(signed, records)] == [True]
    assert "To:To" in _tag(sign(message, keys["rsa-2048"], timestamp=T), "h")


def test_rsa_4096_signature_verifies_and_stays_folded(
    verdicts: Verdicts, records: dict[str, str]
) -> None:
    key = DkimSigningKey("example.com", "big", generate_key("rsa", 4096))
    records[key.dns_name] = public_key_txt(key.private_key)
    signed = sign_message(SIMPLE, key, timestamp=T, expires=FAR_FUTURE)
    assert _all_pass(verdicts(signed))
    field = sign(SIMPLE, key, timestamp=T)
    assert all(len(line) <= 78 for line in field.split(b"\r\n"))


def test_second_signer_signs_an_already_signed_message(
    keys: dict[str, DkimSigningKey], verdicts: Verdicts
) -> None:
    customer = sign_message(SIMPLE, keys["rsa-2048"], timestamp=T)
    both = sign_message(customer, keys["ses-rsa"], timestamp=T + 1)
    assert _all_pass(verdicts(both), signatures=2)
    assert both.index(b"d=amazonses.com") < both.index(b"d=example.com")


def test_signing_with_several_keys_at_once_equals_signing_in_turn(
    keys: dict[str, DkimSigningKey], verdicts: Verdicts
) -> None:
    customer, ses = keys["ed25519"], keys["ses-rsa"]
    at_once = sign_message_with_keys(MESSAGES["bare LF"], [customer, ses], timestamp=T)
    assert _all_pass(verdicts(at_once), signatures=2)
    customer_field = sign(MESSAGES["bare LF"], customer, timestamp=T)  # Ed25519: deterministic
    assert at_once.index(b"d=amazonses.com") < at_once.index(customer_field)


def test_three_signatures_of_mixed_algorithms_all_verify(
    keys: dict[str, DkimSigningKey], verdicts: Verdicts
) -> None:
    signed = SIMPLE
    for name in ("rsa-1024", "ed25519", "ses-rsa"):
        signed = sign_message(signed, keys[name], timestamp=T)
    assert _all_pass(verdicts(signed), signatures=3)


def _insert_header(field: bytes, *, at_top: bool) -> Callable[[bytes], bytes]:
    def tamper(message: bytes) -> bytes:
        if at_top:
            return field + message
        end = message.index(b"\r\n\r\n") + 2
        return message[:end] + field + message[end:]

    return tamper


TAMPERINGS: dict[str, Callable[[bytes], bytes]] = {
    "body byte changed": lambda m: m.replace(b"Hello Bob.", b"Hello Rob."),
    "body line appended": lambda m: m + b"P.S. send money\r\n",
    "subject changed": lambda m: m.replace(b"Subject: Hello", b"Subject: Hellp"),
    "second From on top": _insert_header(b"From: Mallory <m@evil.example>\r\n", at_top=True),
    "second From below": _insert_header(b"From: Mallory <m@evil.example>\r\n", at_top=False),
    "second Subject": _insert_header(b"Subject: Urgent\r\n", at_top=False),
    "absent Reply-To added": _insert_header(b"Reply-To: m@evil.example\r\n", at_top=True),
    "absent Cc added": _insert_header(b"Cc: m@evil.example\r\n", at_top=False),
    "second Content-Type": _insert_header(b"Content-Type: text/html\r\n", at_top=False),
}


@pytest.mark.parametrize("key_name", ["rsa-2048", "ed25519"])
@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_tampering_breaks_every_verifier(
    keys: dict[str, DkimSigningKey], verdicts: Verdicts, key_name: str, tampering: str
) -> None:
    signed = sign_message(SIMPLE, keys[key_name], timestamp=T)
    tampered = TAMPERINGS[tampering](signed)
    assert tampered != signed
    results = verdicts(tampered)
    assert _all_fail(results), results


TRANSIT_CHANGES: dict[str, Callable[[bytes], bytes]] = {
    "Received added on top": lambda m: b"Received: from mx by mx2; now\r\n" + m,
    "X-SES and Return-Path added": _insert_header(
        b"X-SES-Outgoing: 2024.01.02-1.2.3.4\r\nReturn-Path: <b@amazonses.com>\r\n", at_top=True
    ),
    "subject whitespace refolded": lambda m: m.replace(b"Subject: Hello", b"Subject:\r\n\t Hello"),
    "trailing blank lines added": lambda m: m + b"\r\n\r\n",
}


@pytest.mark.parametrize("change", list(TRANSIT_CHANGES))
def test_changes_relaxed_canonicalization_tolerates_keep_the_signature_valid(
    keys: dict[str, DkimSigningKey], verdicts: Verdicts, change: str
) -> None:
    signed = sign_message(SIMPLE, keys["rsa-2048"], timestamp=T)
    assert _all_pass(verdicts(TRANSIT_CHANGES[change](signed)))


def _tag(field: bytes, name: str) -> str:
    unfolded = re.sub(r"\s+", "", field.decode("ascii").partition(":")[2])
    tags = dict(part.split("=", 1) for part in unfolded.split(";") if part)
    return tags[name]


def test_header_list_oversigns_present_and_protects_absent_fields(
    keys: dict[str, DkimSigningKey],
) -> None:
    field = sign(MESSAGES["repeated headers"], keys["rsa-2048"], timestamp=T)
    signed = _tag(field, "h").split(":")
    counts = {name: signed.count(name) for name in set(signed)}
    assert counts == {
        "From": 2, "To": 3, "Cc": 3, "Subject": 2, "Date": 2, "Message-ID": 2,
        "Reply-To": 1, "MIME-Version": 2, "Content-Type": 2, "List-Unsubscribe": 2,
        "List-Unsubscribe-Post": 2, "Feedback-ID": 2,
    }  # fmt: skip


def test_transit_headers_are_never_signed(keys: dict[str, DkimSigningKey]) -> None:
    field = sign(MESSAGES["repeated headers"], keys["rsa-2048"], timestamp=T)
    signed = {name.lower() for name in _tag(field, "h").split(":")}
    assert not signed & {"x-ses-configuration-set", "return-path", "bounces-to", "received"}
    assert "dkim-signature" not in signed


def test_optional_fields_are_not_listed_when_absent(keys: dict[str, DkimSigningKey]) -> None:
    bare = b"From: a@example.com\r\n\r\nhi\r\n"
    names = _tag(sign(bare, keys["ed25519"], timestamp=T), "h").split(":")
    assert names == ["From", "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To"]


def test_signature_field_carries_the_expected_tags(keys: dict[str, DkimSigningKey]) -> None:
    field = sign(SIMPLE, keys["ed25519"], timestamp=T, expires=FAR_FUTURE)
    assert field.startswith(b"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;")
    assert field.endswith(b"\r\n")
    assert field.count(b"\r\n") == field.count(b"\r\n\t") + 1  # folds are CRLF TAB
    assert (_tag(field, "d"), _tag(field, "s")) == ("example.com", "ed")
    assert (_tag(field, "t"), _tag(field, "x")) == (str(T), str(FAR_FUTURE))
    assert all(len(line) < 78 for line in field.split(b"\r\n"))


def test_signature_is_the_same_for_bare_lf_and_crlf_input(
    keys: dict[str, DkimSigningKey],
) -> None:
    crlf = MESSAGES["simple"]
    lf = crlf.replace(b"\r\n", b"\n")
    # Ed25519 signatures are deterministic, so equal output means equal signed data.
    assert sign(lf, keys["ed25519"], timestamp=T) == sign(crlf, keys["ed25519"], timestamp=T)
    assert sign_message(lf, keys["ed25519"], timestamp=T) == sign_message(
        crlf, keys["ed25519"], timestamp=T
    )


def test_a_message_without_final_crlf_is_signed_as_smtp_sends_it(
    keys: dict[str, DkimSigningKey],
) -> None:
    # SMTP clients end DATA with CRLF, so "last line  " arrives as "last line  CRLF".
    unterminated = MESSAGES["body without final CRLF"]
    key = keys["ed25519"]
    assert sign(unterminated, key, timestamp=T) == sign(unterminated + b"\r\n", key, timestamp=T)
    assert sign_message(unterminated, key, timestamp=T).endswith(b"no newline  \r\n")


def test_sign_message_is_the_field_prepended_to_the_message(
    keys: dict[str, DkimSigningKey],
) -> None:
    field = sign(SIMPLE, keys["ed25519"], timestamp=T)
    assert sign_message(SIMPLE, keys["ed25519"], timestamp=T) == field + SIMPLE


def test_message_without_from_cannot_be_signed(keys: dict[str, DkimSigningKey]) -> None:
    with pytest.raises(ValueError, match="without a From"):
        sign(b"Subject: x\r\n\r\nbody\r\n", keys["ed25519"], timestamp=T)


def test_negative_timestamp_is_refused(keys: dict[str, DkimSigningKey]) -> None:
    with pytest.raises(ValueError, match="t="):
        sign(SIMPLE, keys["ed25519"], timestamp=-1)


@pytest.mark.parametrize("expires", [T, T - 1])
def test_expiry_must_follow_the_timestamp(keys: dict[str, DkimSigningKey], expires: int) -> None:
    with pytest.raises(ValueError, match="x="):
        sign(SIMPLE, keys["ed25519"], timestamp=T, expires=expires)


_words = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x2FF, exclude_characters=":"),
    min_size=1,
    max_size=12,
)
_gaps = st.sampled_from([" ", "  ", "\t", " \t ", "\r\n ", "\r\n\t"])
_header_value = st.builds(
    lambda words, gaps, tail: (
        "".join(w + g for w, g in zip(words, gaps, strict=False)) + words[-1] + tail
    ),
    st.lists(_words, min_size=1, max_size=6),
    st.lists(_gaps, min_size=6, max_size=6),
    st.sampled_from(["", " ", "\t ", "  "]),
)
_body_line = st.text(
    st.characters(min_codepoint=0x09, max_codepoint=0x2FF, exclude_characters="\r\n\x0b\x0c"),
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subject=_header_value,
    to=_header_value,
    body_lines=st.lists(_body_line, max_size=8),
    line_ending=st.sampled_from(["\r\n", "\n"]),
    final_newline=st.booleans(),
)
def test_generated_messages_verify_everywhere(
    keys: dict[str, DkimSigningKey],
    opendkim: OpenDkim,
    records: dict[str, str],
    subject: str,
    to: str,
    body_lines: list[str],
    line_ending: str,
    final_newline: bool,
) -> None:
    head = f"From: a@example.com\r\nSubject: {subject}\r\nTo: {to}\r\n\r\n"
    body = line_ending.join(body_lines) + (line_ending if final_newline else "")
    signed = sign_message((head + body).encode(), keys["rsa-2048"], timestamp=T)
    assert dkimpy_verify_all(signed, records) == [True]
    assert [r.passed for r in opendkim.verify_all(signed, records)] == [True]
