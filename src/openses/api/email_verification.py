"""``GET /_openses/verify-email?token=…``: the page a verification link opens.

People reach it from a mail, in a browser, so it answers HTML (every value
escaped), never an AWS error document and never a 500, whatever the query
string holds. A link sent with a custom verification template redirects (302)
to the template's success or failure URL instead, as SES does; a link that is
not genuine cannot name a template, so it always gets our own page.
"""

from __future__ import annotations

import html
import urllib.parse

from openses.protocol.http import HttpRequest, HttpResponse
from openses.services.email_verification import Confirmation, Outcome
from openses.services.registry import Services
from openses.services.scope import Scope

_STATUS = {
    Outcome.VERIFIED: 200,
    Outcome.ALREADY_VERIFIED: 200,
    Outcome.EXPIRED: 410,
    Outcome.INVALID: 400,
    Outcome.GONE: 404,
}
_TITLE = {
    Outcome.VERIFIED: "Email address verified",
    Outcome.ALREADY_VERIFIED: "Email address already verified",
    Outcome.EXPIRED: "This verification link has expired",
    Outcome.INVALID: "This verification link is not valid",
    Outcome.GONE: "This address is no longer awaiting verification",
}
_PAGE_HEADERS = [
    ("content-type", "text/html; charset=utf-8"),
    ("cache-control", "no-store"),
    # The token is in the URL: keep it out of Referer headers sent anywhere else.
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'"),
]


def _explanation(confirmation: Confirmation) -> str:
    address = confirmation.link.address if confirmation.link else ""
    region = confirmation.link.region if confirmation.link else ""
    match confirmation.outcome:
        case Outcome.VERIFIED:
            return (
                f"You have successfully verified {address}. You can now send email from "
                f"this address in region {region}."
            )
        case Outcome.ALREADY_VERIFIED:
            return f"{address} is already verified in region {region}. Nothing else to do."
        case Outcome.EXPIRED:
            return (
                f"Verification links are valid for 24 hours. Ask for a new verification "
                f"email for {address} and use the link in it. Nothing was changed."
            )
        case Outcome.GONE:
            return (
                f"{address} was removed (or added again) after this link was sent, so the "
                "link no longer applies. Nothing was changed."
            )
        case _:
            return (
                "The link may have been cut off or altered. Open the link exactly as it "
                "appears in the verification email. Nothing was changed."
            )


def _page(confirmation: Confirmation) -> HttpResponse:
    title = html.escape(_TITLE[confirmation.outcome])
    text = html.escape(_explanation(confirmation))
    body = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        "<style>body{font-family:sans-serif;max-width:40em;margin:4em auto;padding:0 1em}"
        "</style></head>"
        f"<body><h1>{title}</h1><p>{text}</p></body></html>\n"
    )
    return HttpResponse(_STATUS[confirmation.outcome], body.encode("utf-8"), list(_PAGE_HEADERS))


def _token(query_string: str) -> str:
    values = urllib.parse.parse_qs(query_string, errors="replace").get("token", [])
    return values[-1] if values else ""


class EmailVerificationEndpoint:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def handle(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(405, b"", [("allow", "GET, HEAD")])
        if request.method == "HEAD":
            # Link checkers probe with HEAD: answer without acting on the link.
            return HttpResponse(200, b"", list(_PAGE_HEADERS))
        confirmation = await self._services.email_verification.confirm(_token(request.query_string))
        redirect = await self._redirect_for(confirmation)
        if redirect is not None:
            return HttpResponse(
                302, b"", [("location", redirect), ("cache-control", "no-store"),
                           ("referrer-policy", "no-referrer")],
            )  # fmt: skip
        return _page(confirmation)

    async def _redirect_for(self, confirmation: Confirmation) -> str | None:
        """The custom template's success or failure URL, if the link came with a template."""
        link = confirmation.link
        if link is None or link.template_name is None:
            return None
        template = await self._services.custom_verification.find(
            Scope(link.account_id, link.region), link.template_name
        )
        if template is None:  # deleted since the mail was sent: our own page
            return None
        return template.success_url if confirmation.succeeded else template.failure_url
