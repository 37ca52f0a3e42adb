from __future__ import annotations

import pytest

from openses.domain.errors import InvalidParameterError
from openses.domain.identities import (
    IdentityType,
    lookup_key,
    normalize_domain,
    normalize_email_address,
    normalize_identity,
)


def test_domains_are_case_insensitive_and_stored_lower_case() -> None:
    assert normalize_domain("EXAMPLE.com") == "example.com"
    assert normalize_domain("Mail.Example.COM.") == "mail.example.com"


def test_address_local_part_keeps_its_case_but_domain_is_lowered() -> None:
    assert normalize_email_address("Sender@EXAMPLE.com") == "Sender@example.com"


@pytest.mark.parametrize(
    "address",
    ["no-at-sign", "@example.com", "a@", "a b@example.com", "a..b@example.com",
     ".a@example.com", "a@-bad.com", "a@example", "ü@example.com", "a@ex_ample.com",
     "x" * 65 + "@example.com", "a@" + "b" * 64 + ".com", "a\r\n@example.com"],
)  # fmt: skip
def test_malformed_addresses_are_refused_with_the_ses_text(address: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"^Invalid email address<"):
        normalize_email_address(address)


@pytest.mark.parametrize(
    "domain",
    ["", "localhost", "exa mple.com", "-a.com", "a-.com", "a" * 64 + ".com", "é.com",
     "a." * 127 + "com"],
)  # fmt: skip
def test_malformed_domains_are_refused(domain: str) -> None:
    with pytest.raises(InvalidParameterError, match="Invalid domain name"):
        normalize_domain(domain)


def test_punycode_domains_are_accepted() -> None:
    assert normalize_domain("xn--bcher-kva.example") == "xn--bcher-kva.example"


def test_identity_type_follows_the_at_sign() -> None:
    assert normalize_identity("a@b.com")[1] is IdentityType.EMAIL_ADDRESS
    assert normalize_identity("b.com")[1] is IdentityType.DOMAIN


def test_lookup_key_never_raises_and_matches_normalisation() -> None:
    assert lookup_key("EXAMPLE.com") == normalize_domain("EXAMPLE.com")
    assert lookup_key("Me@EXAMPLE.com") == normalize_email_address("Me@EXAMPLE.com")
    assert lookup_key("not a name at all") == "not a name at all"


def test_identity_candidates_go_from_most_to_least_specific() -> None:
    from openses.domain.identities import identity_candidates

    assert identity_candidates("Mary+news@a.B.example.com") == [
        "Mary+news@a.b.example.com",
        "Mary@a.b.example.com",
        "a.b.example.com",
        "b.example.com",
        "example.com",
    ]
    assert identity_candidates("no-at-sign") == []
