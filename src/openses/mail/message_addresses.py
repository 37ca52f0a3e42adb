"""The addresses a raw message's headers name, read with ``openses.mail.addresses``."""

from __future__ import annotations

from dataclasses import dataclass

from openses.mail.address_problems import Problem
from openses.mail.addresses import AddressList, Mailbox, parse_address_list
from openses.mail.header_block import HeaderBlock

ADDRESS_HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Bcc")


@dataclass(frozen=True)
class MessageAddresses:
    from_: tuple[Mailbox, ...]
    sender: Mailbox | None
    reply_to: tuple[Mailbox, ...]
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...]
    bcc: tuple[Mailbox, ...]
    return_path: Mailbox | None
    warnings: tuple[Problem, ...]

    @property
    def recipients(self) -> tuple[Mailbox, ...]:
        return self.to + self.cc + self.bcc


class AddressHeaderError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _addresses_of(block: HeaderBlock, name: str) -> AddressList | None:
    """Every instance counts: To, Cc, Bcc and Reply-To may repeat (they are not in
    SES's single-instance list), and a second one must not hide recipients."""
    fields = block.named(name)
    if not fields:
        return None
    parsed = parse_address_list(", ".join(field.value for field in fields))
    if parsed.first_problem is not None:
        raise AddressHeaderError(parsed.first_problem)
    return parsed


def _return_path(block: HeaderBlock) -> Mailbox | None:
    """``Return-Path: <>`` (the null path) names no one and is not an error."""
    field = block.first("Return-Path")
    if field is None or field.value.replace(" ", "") == "<>":
        return None
    parsed = parse_address_list(field.value)
    if parsed.first_problem is not None:
        raise AddressHeaderError(parsed.first_problem)
    return parsed.mailboxes[0] if parsed.mailboxes else None


def read_addresses(block: HeaderBlock) -> MessageAddresses | Problem:
    """The addresses in the address headers, or the first problem that refuses them."""
    try:
        parsed = {name: _addresses_of(block, name) for name in ADDRESS_HEADERS}
        return_path = _return_path(block)
    except AddressHeaderError as error:
        return error.problem
    warnings: dict[Problem, None] = {}
    for address_list in parsed.values():
        for warning in address_list.warnings if address_list else ():
            warnings.setdefault(warning, None)

    def mailboxes(name: str) -> tuple[Mailbox, ...]:
        found = parsed[name]
        return found.mailboxes if found is not None else ()

    senders = mailboxes("Sender")
    return MessageAddresses(
        from_=mailboxes("From"),
        sender=senders[0] if senders else None,
        reply_to=mailboxes("Reply-To"),
        to=mailboxes("To"),
        cc=mailboxes("Cc"),
        bcc=mailboxes("Bcc"),
        return_path=return_path,
        warnings=tuple(warnings),
    )
