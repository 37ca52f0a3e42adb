"""Custom verification e-mail templates, v1 and v2, and SendCustomVerificationEmail end to end."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.identities.verification_env import (
    RECEIVER,
    VerificationEnv,
    aws_error,
    open_link,
    running_env,
)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VerificationEnv]:
    with running_env(tmp_path_factory) as running:
        yield running


SENDER = f"brand@{RECEIVER}"
CONTENT = (
    "<html><head></head><body style='font-family:sans-serif'>"
    "<h1>Welcome to ProductName</h1><p>Click the link below.</p></body></html>"
)


def _template(name: str, **overrides: str) -> dict[str, str]:
    fields = {
        "TemplateName": name,
        "FromEmailAddress": SENDER,
        "TemplateSubject": "Please confirm your email address",
        "TemplateContent": CONTENT,
        "SuccessRedirectionURL": "https://www.example.com/verifysuccess",
        "FailureRedirectionURL": "https://www.example.com/verifyfailure",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def clients(env: VerificationEnv, request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """A production account whose template sender is verified (by its own link)."""
    ses, sesv2 = env.new_account(f"cvt-{request.node.name}")
    env.verify_by_link(ses, SENDER)
    return ses, sesv2


def test_v1_create_get_update_list_delete(clients: tuple[Any, Any]) -> None:
    ses, sesv2 = clients
    ses.create_custom_verification_email_template(**_template("Welcome"))
    got = ses.get_custom_verification_email_template(TemplateName="Welcome")
    assert {k: got[k] for k in _template("Welcome")} == _template("Welcome")

    # Update: only the fields given change (guide, "Editing ...").
    ses.update_custom_verification_email_template(TemplateName="Welcome", TemplateSubject="New")
    got = ses.get_custom_verification_email_template(TemplateName="Welcome")
    assert got["TemplateSubject"] == "New"
    assert got["TemplateContent"] == CONTENT

    # The same store behind v2.
    assert (
        sesv2.get_custom_verification_email_template(TemplateName="Welcome")["TemplateSubject"]
        == "New"
    )

    for name in ("Second", "Third"):
        ses.create_custom_verification_email_template(**_template(name))
    first = ses.list_custom_verification_email_templates(MaxResults=2)
    assert [t["TemplateName"] for t in first["CustomVerificationEmailTemplates"]] == [
        "Welcome",
        "Second",
    ]
    assert "TemplateContent" not in first["CustomVerificationEmailTemplates"][0]
    rest = ses.list_custom_verification_email_templates(MaxResults=2, NextToken=first["NextToken"])
    assert [t["TemplateName"] for t in rest["CustomVerificationEmailTemplates"]] == ["Third"]
    assert "NextToken" not in rest

    ses.delete_custom_verification_email_template(TemplateName="Second")
    ses.delete_custom_verification_email_template(TemplateName="Second")  # v1: no error
    with pytest.raises(ClientError) as missing:
        ses.get_custom_verification_email_template(TemplateName="Second")
    assert aws_error(missing) == (
        "CustomVerificationEmailTemplateDoesNotExist",
        "Custom verification email template <Second> does not exist",
        400,
    )
    with pytest.raises(ClientError) as duplicate:
        ses.create_custom_verification_email_template(**_template("Welcome"))
    assert aws_error(duplicate) == (
        "CustomVerificationEmailTemplateAlreadyExists",
        "Custom verification email template <Welcome> already exists",
        400,
    )


def test_v2_create_get_update_list_delete(clients: tuple[Any, Any]) -> None:
    _, sesv2 = clients
    sesv2.create_custom_verification_email_template(
        **_template("V2"), Tags=[{"Key": "team", "Value": "growth"}]
    )
    got = sesv2.get_custom_verification_email_template(TemplateName="V2")
    assert got["Tags"] == [{"Key": "team", "Value": "growth"}]
    assert got["TemplateContent"] == CONTENT
    sesv2.update_custom_verification_email_template(
        **_template("V2", FailureRedirectionURL="https://example.org/oops")
    )
    listed = sesv2.list_custom_verification_email_templates(PageSize=50)
    assert listed["CustomVerificationEmailTemplates"] == [
        {
            "TemplateName": "V2",
            "FromEmailAddress": SENDER,
            "TemplateSubject": "Please confirm your email address",
            "SuccessRedirectionURL": "https://www.example.com/verifysuccess",
            "FailureRedirectionURL": "https://example.org/oops",
        }
    ]
    sesv2.delete_custom_verification_email_template(TemplateName="V2")
    for call in (
        lambda: sesv2.delete_custom_verification_email_template(TemplateName="V2"),
        lambda: sesv2.get_custom_verification_email_template(TemplateName="V2"),
        lambda: sesv2.update_custom_verification_email_template(**_template("V2")),
    ):
        with pytest.raises(ClientError) as missing:
            call()
        assert aws_error(missing) == (
            "NotFoundException",
            "Custom verification email template <V2> does not exist",
            404,
        )
    sesv2.create_custom_verification_email_template(**_template("Dup"))
    with pytest.raises(ClientError) as duplicate:
        sesv2.create_custom_verification_email_template(**_template("Dup"))
    assert aws_error(duplicate)[0::2] == ("AlreadyExistsException", 400)
    with pytest.raises(ClientError) as page_size:
        sesv2.list_custom_verification_email_templates(PageSize=51)
    assert aws_error(page_size)[0::2] == ("BadRequestException", 400)


def test_the_sender_must_be_verified(clients: tuple[Any, Any]) -> None:
    ses, sesv2 = clients
    unverified = _template("Nope", FromEmailAddress=f"stranger@{RECEIVER}")
    with pytest.raises(ClientError) as v1:
        ses.create_custom_verification_email_template(**unverified)
    assert aws_error(v1) == (
        "FromEmailAddressNotVerified",
        f"The from email address <stranger@{RECEIVER}> is not verified",
        400,
    )
    with pytest.raises(ClientError) as v2:
        sesv2.create_custom_verification_email_template(**unverified)
    assert aws_error(v2)[0::2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as display_name:
        ses.create_custom_verification_email_template(
            **_template("Named", FromEmailAddress=f"Brand <{SENDER}>")
        )
    assert aws_error(display_name)[0] == "InvalidParameterValue"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("<html><body><script>alert(1)</script></body></html>", "<script>"),
        ("<p onclick='x()'>hi</p>", "onclick"),
        ("<p>hi</p><!-- a comment -->", "comment"),
        ("<a href='https://example.com'>x</a>", "<a>"),
    ],
)
def test_content_outside_the_allowed_html_is_refused(
    clients: tuple[Any, Any], content: str, problem: str
) -> None:
    ses, sesv2 = clients
    with pytest.raises(ClientError) as v1:
        ses.create_custom_verification_email_template(**_template("Bad", TemplateContent=content))
    code, message, status = aws_error(v1)
    assert (code, status) == ("CustomVerificationEmailInvalidContent", 400)
    assert problem in message
    with pytest.raises(ClientError) as v2:
        sesv2.create_custom_verification_email_template(**_template("Bad", TemplateContent=content))
    assert aws_error(v2)[0::2] == ("BadRequestException", 400)
    # Allowed markup with every attribute the guide lists for <img> and <td> passes.
    ses.create_custom_verification_email_template(
        **_template(
            "Good",
            TemplateContent="<table width='1'><tr><td colspan='2' axis='a'>"
            "<img src='data:image/png;base64,AA==' alt='logo' align='left'></td></tr></table>",
        )
    )


def test_size_and_redirect_url_limits(clients: tuple[Any, Any]) -> None:
    ses, _ = clients
    too_big = "<p>" + "x" * (10 * 1024 * 1024) + "</p>"
    with pytest.raises(ClientError) as size:
        ses.create_custom_verification_email_template(**_template("Big", TemplateContent=too_big))
    assert aws_error(size)[0] == "CustomVerificationEmailInvalidContent"
    with pytest.raises(ClientError) as blank:
        ses.create_custom_verification_email_template(**_template("Blank", TemplateContent="  "))
    assert aws_error(blank) == ("InvalidParameterValue", "TemplateContent is required.", 400)
    for url in ("ftp://example.com/x", "not a url", "https:///nohost", "https://exämple.com/"):
        with pytest.raises(ClientError) as bad_url:
            ses.create_custom_verification_email_template(
                **_template("Url", SuccessRedirectionURL=url)
            )
        assert aws_error(bad_url) == (
            "InvalidParameterValue",
            "The success redirection URL is invalid",
            400,
        )


def test_fifty_templates_per_account(clients: tuple[Any, Any]) -> None:
    ses, sesv2 = clients
    for number in range(50):
        ses.create_custom_verification_email_template(**_template(f"T{number}"))
    with pytest.raises(ClientError) as v1:
        ses.create_custom_verification_email_template(**_template("T50"))
    assert aws_error(v1)[0::2] == ("LimitExceeded", 400)
    with pytest.raises(ClientError) as v2:
        sesv2.create_custom_verification_email_template(**_template("T50"))
    assert aws_error(v2)[0::2] == ("LimitExceededException", 400)
    listed = ses.list_custom_verification_email_templates()
    assert len(listed["CustomVerificationEmailTemplates"]) == 50
    assert "NextToken" not in listed


def test_send_mails_the_content_with_the_link_and_redirects_on_click(
    env: VerificationEnv, clients: tuple[Any, Any]
) -> None:
    ses, sesv2 = clients
    ses.create_custom_verification_email_template(**_template("Flow"))
    address = f"customer@{RECEIVER}"
    message_id = ses.send_custom_verification_email(EmailAddress=address, TemplateName="Flow")[
        "MessageId"
    ]
    assert message_id
    # The address is added as a pending identity (API reference).
    assert ses.list_identities(IdentityType="EmailAddress")["Identities"].count(address) == 1
    assert (
        ses.get_identity_verification_attributes(Identities=[address])["VerificationAttributes"][
            address
        ]["VerificationStatus"]
        == "Pending"
    )

    mail = env.wait_for_mails(address)[0]
    parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert parsed["From"] == SENDER
    assert parsed["Subject"] == "Please confirm your email address"
    html_body = parsed.get_body(preferencelist=("html",))
    assert html_body is not None
    text = html_body.get_content()
    assert text.startswith("<html><head></head><body style='font-family:sans-serif'>")
    assert "<h1>Welcome to ProductName</h1>" in text
    assert "If you did not request to verify this email address" in text
    assert text.rstrip().endswith("</body></html>")  # link and footer inside the body
    link = env.link_in(mail)

    # The mail counts against the account's quota (the SENDER's link mail did not).
    assert ses.get_send_quota()["SentLast24Hours"] == 1

    clicked = open_link(link)
    assert clicked.status == 302
    assert clicked.headers["location"] == "https://www.example.com/verifysuccess"
    assert sesv2.get_email_identity(EmailIdentity=address)["VerificationStatus"] == "SUCCESS"
    again = open_link(link)
    assert (again.status, again.headers["location"]) == (
        302,
        "https://www.example.com/verifysuccess",
    )

    # A tampered link cannot name a template: our own page, not a redirect.
    assert open_link(link[:-3]).status == 400

    # v2 sends the same way; an expired link redirects to the failure URL.
    second = f"customer2@{RECEIVER}"
    sesv2.send_custom_verification_email(EmailAddress=second, TemplateName="Flow")
    second_link = env.link_in(env.wait_for_mails(second)[0])
    try:
        env.clock.shift(dt.timedelta(hours=25))
        expired = open_link(second_link)
    finally:
        env.clock.shift(dt.timedelta())
    assert (expired.status, expired.headers["location"]) == (
        302,
        "https://www.example.com/verifyfailure",
    )
    assert sesv2.get_email_identity(EmailIdentity=second)["VerificationStatus"] == "PENDING"

    # The template deleted since: the link still verifies, with openses's own page.
    ses.delete_custom_verification_email_template(TemplateName="Flow")
    page = open_link(second_link)
    assert page.status == 200
    assert "Email address verified" in page.body


def test_send_errors(env: VerificationEnv, clients: tuple[Any, Any]) -> None:
    ses, sesv2 = clients
    with pytest.raises(ClientError) as missing:
        ses.send_custom_verification_email(EmailAddress=f"x@{RECEIVER}", TemplateName="None")
    assert aws_error(missing) == (
        "CustomVerificationEmailTemplateDoesNotExist",
        "Template <None> does not exist",
        400,
    )
    with pytest.raises(ClientError) as missing_v2:
        sesv2.send_custom_verification_email(EmailAddress=f"x@{RECEIVER}", TemplateName="None")
    assert aws_error(missing_v2)[0::2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as bad_address:
        ses.send_custom_verification_email(EmailAddress="not-an-address", TemplateName="None")
    assert aws_error(bad_address)[0] == "InvalidParameterValue"

    # The sender's identity removed after the template was made: refused at send time.
    ses.create_custom_verification_email_template(**_template("Orphan"))
    ses.delete_identity(Identity=SENDER)
    with pytest.raises(ClientError) as unverified:
        ses.send_custom_verification_email(EmailAddress=f"y@{RECEIVER}", TemplateName="Orphan")
    assert aws_error(unverified) == (
        "FromEmailAddressNotVerified",
        "Email address is not verified. The following identities failed the check in region "
        f"US-EAST-1: {SENDER}",
        400,
    )
    assert not env.mails_to(f"y@{RECEIVER}")

    # In the sandbox the operation needs production access.
    sandboxed, _ = env.new_account("cvt-sandboxed", sandbox=True)
    with pytest.raises(ClientError) as sandbox:
        sandboxed.send_custom_verification_email(EmailAddress=f"z@{RECEIVER}", TemplateName="x")
    assert aws_error(sandbox)[0::2] == ("ProductionAccessNotGranted", 400)
