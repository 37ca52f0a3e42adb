from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openses.mail.address_problems import ProblemCode
from openses.mail.addresses import format_mailbox, parse_address_list, parse_mailbox


def specs(text: str) -> list[str]:
    parsed = parse_address_list(text)
    assert parsed.ok, parsed.problems
    return list(parsed.addr_specs)


def refusal(text: str) -> str:
    parsed = parse_address_list(text)
    assert not parsed.ok
    assert parsed.mailboxes == ()
    return parsed.problems[0].message


def warnings(text: str) -> set[ProblemCode]:
    return {warning.code for warning in parse_address_list(text).warnings}


# --- the address is the route-addr, never something in the display name ---------


@pytest.mark.parametrize(
    "text",
    [
        '"admin@bank.com" <evil@x.com>',
        "admin@bank.com <evil@x.com>",
        "=?utf-8?Q?admin=40bank.com?= <evil@x.com>",
        '"=?utf-8?B?YWRtaW5AYmFuay5jb20=?=" <evil@x.com>',
        "admin@bank.com (admin@bank.com) <evil@x.com>",
    ],
)
def test_an_address_in_the_display_name_is_only_a_name(text: str) -> None:
    parsed = parse_address_list(text)
    assert parsed.addr_specs == ("evil@x.com",)
    assert parsed.mailboxes[0].display_name is not None
    assert "admin@bank.com" in parsed.mailboxes[0].display_name
    assert ProblemCode.NAME_LOOKS_LIKE_ADDRESS in warnings(text)


def test_encoded_words_in_names_are_decoded_as_text() -> None:
    name = "Як ти поживаєш?"
    encoded = "=?utf-8?B?" + base64.b64encode(name.encode()).decode() + "?="
    parsed = parse_address_list(f"{encoded} <a@x.com>")
    assert parsed.mailboxes[0].display_name == name
    assert parsed.addr_specs == ("a@x.com",)


def test_adjacent_encoded_words_join_without_the_space_between_them() -> None:
    parsed = parse_address_list("=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M?= <a@x.com>")
    assert parsed.mailboxes[0].display_name == "Jörg M"


def test_an_encoded_word_in_the_address_is_not_decoded() -> None:
    # "=?…?=" is plain atext in an addr-spec (RFC 2047 section 5): kept as written.
    assert specs("=?utf-8?q?a=40b?=@x.com") == ["=?utf-8?q?a=40b?=@x.com"]


def test_comments_around_an_address_are_ignored() -> None:
    assert specs("a@x.com (Alice)") == ["a@x.com"]
    assert specs("(first) Alice <a@x.com> (second)") == ["a@x.com"]


def test_quoted_local_parts_keep_their_quotes_and_are_flagged() -> None:
    assert specs('"john doe"@x.com') == ['"john doe"@x.com']
    assert ProblemCode.QUOTED_LOCAL_PART in warnings('"john doe"@x.com')


def test_quoted_names_may_contain_commas() -> None:
    parsed = parse_address_list('"Doe, John" <j@x.com>, Mary <m@y.com>')
    assert [m.display_name for m in parsed.mailboxes] == ["Doe, John", "Mary"]
    assert parsed.addr_specs == ("j@x.com", "m@y.com")


# --- groups ----------------------------------------------------------------


def test_an_empty_group_names_no_one() -> None:
    parsed = parse_address_list("undisclosed-recipients:;")
    assert parsed.ok
    assert parsed.mailboxes == ()
    assert parsed.groups == ("undisclosed-recipients",)


def test_group_members_are_addresses_of_the_list() -> None:
    parsed = parse_address_list("team: a@x.com, B <b@y.com>;, c@z.com")
    assert parsed.addr_specs == ("a@x.com", "b@y.com", "c@z.com")
    assert [m.group for m in parsed.mailboxes] == ["team", "team", None]


def test_nested_groups_are_refused() -> None:
    assert refusal("a: b: c@d.com;;") == "Nested group"


def test_a_semicolon_outside_a_group_is_refused() -> None:
    assert refusal("a@x.com; b@y.com") == "Illegal semicolon, not in group"


def test_a_group_left_open_at_the_end_is_accepted_with_a_warning() -> None:
    assert specs("team: a@x.com") == ["a@x.com"]
    assert ProblemCode.UNTERMINATED_GROUP in warnings("team: a@x.com")


# --- injection and malformed input: refused with SES's words ------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a@x.com\r\nBcc: victim@y.com", "Local address contains control or whitespace"),
        ("a@x.com\nBcc: victim@y.com", "Local address contains control or whitespace"),
        ("Name\r <a@x.com>", "Local address contains control or whitespace"),
        ("a\x00b@x.com", "Local address contains control or whitespace"),
        ("<a@x.com> <b@y.com>", "Extra route-addr"),
        ('"Name" <a@x.com>> <b@y.com>', "Missing '<'"),
        ("<a@x.com<b@y.com>>", "Extra route-addr"),
        ("Name <a@x.com", "Missing '>'"),
        ("a@x.com>", "Missing '<'"),
        ('"unterminated <a@x.com>', "Missing '\"'"),
        ("(comment <a@x.com>", "Missing ')'"),
        ("a@x.com)", "Missing '('"),
        ("a@[1.2.3.4", "Missing ']'"),
        ("fake email", "Local address contains control or whitespace"),
        ("a@x.com b@y.com", "Domain contains control or whitespace"),
        ("john (c) @x.com", "Local address contains control or whitespace"),
        ("plainname", "Missing final '@domain'"),
        ("a@", "Missing domain"),
        ("@x.com", "Missing local name"),
        ("x <>", "Illegal address"),
        ("a@b@x.com", "Domain contains illegal character"),
        ("a@x!y.com", "Domain contains illegal character"),
        ("a,b@x.com", "Missing final '@domain'"),
        (".a@x.com", "Local address starts with dot"),
        ("a.@x.com", "Local address ends with dot"),
        ("a..b@x.com", "Local address contains dot-dot"),
        ("a@.x.com", "Domain starts with dot"),
        ("a@x.com.", "Domain ends with dot"),
        ("a@x..com", "Domain contains dot-dot"),
        ("jörg@x.com", "There are non-ASCII characters in the email address"),
        ("j@bücher.de", "Domain contains illegal character"),
        ("a@[999.1.1.1]", "Domain contains illegal character"),
        ("a\\b@x.com", "Illegal address"),
    ],
)
def test_malformed_addresses_are_refused_with_ses_text(text: str, message: str) -> None:
    assert refusal(text) == message


def test_punycode_domains_are_kept_as_written() -> None:
    assert specs("Name <user@xn--bcher-kva.example>") == ["user@xn--bcher-kva.example"]


# --- forms that parse but that a caller may refuse --------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a%b@relay.com", ProblemCode.PERCENT_HACK),
        ("host!user@relay.com", ProblemCode.BANG_PATH),
        ("<@relay.com,@other.com:user@x.com>", ProblemCode.SOURCE_ROUTE),
        ("user@[192.0.2.1]", ProblemCode.IP_LITERAL),
        ("user@[IPv6:2001:db8::1]", ProblemCode.IP_LITERAL),
    ],
)
def test_suspicious_forms_are_reported(text: str, code: ProblemCode) -> None:
    parsed = parse_address_list(text)
    assert parsed.ok
    assert code in warnings(text)
    assert all(mailbox.addr_spec in text for mailbox in parsed.mailboxes)


def test_source_route_is_kept_apart_from_the_address() -> None:
    mailbox = parse_address_list("<@relay.com:user@x.com>").mailboxes[0]
    assert mailbox.addr_spec == "user@x.com"
    assert mailbox.route == "@relay.com"


def test_several_from_addresses_are_all_returned() -> None:
    assert specs("a@x.com, B <b@y.com>") == ["a@x.com", "b@y.com"]


def test_parse_mailbox_wants_exactly_one() -> None:
    assert parse_mailbox("Sender <s@x.com>").addr_specs == ("s@x.com",)
    assert not parse_mailbox("a@x.com, b@y.com").ok
    assert not parse_mailbox("undisclosed-recipients:;").ok
    assert not parse_mailbox("").ok


def test_format_mailbox_quotes_names_with_specials() -> None:
    assert format_mailbox(parse_address_list('"Doe, J" <j@x.com>').mailboxes[0]) == (
        '"Doe, J" <j@x.com>'
    )
    assert format_mailbox(parse_address_list('"John" <j@x.com>').mailboxes[0]) == ("John <j@x.com>")
    assert format_mailbox(parse_address_list("j@x.com").mailboxes[0]) == "j@x.com"


# --- properties --------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "x",
        "com",
        "@",
        ".",
        "<",
        ">",
        ",",
        ";",
        ":",
        '"',
        "\\",
        "(",
        ")",
        "[",
        "]",
        " ",
        "\t",
        "\r\n",
        "\n",
        "%",
        "!",
        "é",
        "=?utf-8?q?a=40b?=",
        "=?utf-8?b?QA==?=",
        "admin@bank.com",
        "xn--p1ai",
        "1.2.3.4",
        "IPv6:",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_any_input_parses_to_literal_addresses_or_is_refused(text: str) -> None:
    parsed = parse_address_list(text)
    if not parsed.ok:
        assert parsed.mailboxes == ()
        return
    assert "\r" not in text
    assert "\n" not in text
    for mailbox in parsed.mailboxes:
        assert mailbox.addr_spec in text
        assert "@" in mailbox.addr_spec
        assert mailbox.addr_spec == f"{mailbox.local_part}@{mailbox.domain}"
        assert mailbox.addr_spec.isascii()
        assert not any(char in mailbox.addr_spec for char in " \t()<>,;")


_ATEXT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&'*+-/=?^_`{|}~",
    min_size=1,
    max_size=10,
)
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_ADDR_SPEC = st.builds(
    lambda words, labels: ".".join(words) + "@" + ".".join(labels),
    st.lists(_ATEXT, min_size=1, max_size=3),
    st.lists(_LABEL, min_size=1, max_size=3),
)
_NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda name: name.strip() == name and "  " not in name)


def _with_name(name: str, addr: str, style: int) -> str:
    if style == 0:
        return addr
    if style == 1:
        return f"<{addr}>"
    if style == 2:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{addr}>'
    encoded = base64.b64encode(name.encode()).decode()
    return f"=?UTF-8?B?{encoded}?= <{addr}>"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_NAME, _ADDR_SPEC, st.integers(0, 3)), min_size=1, max_size=5))
def test_well_formed_lists_give_back_every_address_and_name(
    entries: list[tuple[str, str, int]],
) -> None:
    text = ", ".join(_with_name(name, addr, style) for name, addr, style in entries)
    parsed = parse_address_list(text)
    assert parsed.ok, (text, parsed.problems)
    assert list(parsed.addr_specs) == [addr for _name, addr, _style in entries]
    for mailbox, (name, _addr, style) in zip(parsed.mailboxes, entries, strict=True):
        if style >= 2:
            assert mailbox.display_name == " ".join(name.split())
