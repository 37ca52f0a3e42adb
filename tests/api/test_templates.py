"""SES v1 and v2 template operations through real boto3 clients, on one store."""

from __future__ import annotations

import email
import email.policy
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

GREETING = {
    "TemplateName": "MyTemplate",
    "SubjectPart": "Greetings, {{name}}!",
    "HtmlPart": "<h1>Hello {{name}},</h1><p>Your favorite animal is {{favoriteanimal}}.</p>",
    "TextPart": "Dear {{name}},\r\nYour favorite animal is {{favoriteanimal}}.",
}
DATA = json.dumps({"name": "Alejandro", "favoriteanimal": "alligator"})


def _error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = caught.value.response
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    return response["Error"]["Code"], response["Error"]["Message"], status


def _parse(rendered: str) -> email.message.EmailMessage:
    message = email.message_from_bytes(rendered.encode("ascii"), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def _parts(message: email.message.EmailMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            assert isinstance(part, email.message.EmailMessage)
            found[part.get_content_type()] = part.get_content().replace("\r\n", "\n")
    return found


# --- v1 ---


def test_v1_create_get_and_list_a_template(ses: Any) -> None:
    ses.create_template(Template=GREETING)
    assert ses.get_template(TemplateName="MyTemplate")["Template"] == {
        **GREETING,
        "TextPart": "Dear {{name}},\r\nYour favorite animal is {{favoriteanimal}}.",
    }
    listed = ses.list_templates()["TemplatesMetadata"]
    assert [item["Name"] for item in listed] == ["MyTemplate"]
    assert listed[0]["CreatedTimestamp"].tzinfo is not None


def test_v1_list_is_empty_without_templates(ses: Any) -> None:
    assert ses.list_templates()["TemplatesMetadata"] == []


def test_v1_creating_a_duplicate_is_already_exists(ses: Any) -> None:
    ses.create_template(Template=GREETING)
    with pytest.raises(ClientError) as caught:
        ses.create_template(Template=GREETING)
    code, message, status = _error(caught)
    assert (code, status) == ("AlreadyExists", 400)
    assert message == "Template MyTemplate already exists for account id 000000000000"


def test_v1_unknown_template_is_template_does_not_exist(ses: Any) -> None:
    for call in (
        lambda: ses.get_template(TemplateName="Nope"),
        lambda: ses.update_template(Template={**GREETING, "TemplateName": "Nope"}),
        lambda: ses.test_render_template(TemplateName="Nope", TemplateData="{}"),
    ):
        with pytest.raises(ses.exceptions.TemplateDoesNotExistException) as caught:
            call()
        assert _error(caught) == ("TemplateDoesNotExist", "Template Nope does not exist.", 400)


def test_v1_update_replaces_every_part(ses: Any) -> None:
    ses.create_template(Template=GREETING)
    ses.update_template(
        Template={"TemplateName": "MyTemplate", "SubjectPart": "Hi", "HtmlPart": "<b>new</b>"}
    )
    assert ses.get_template(TemplateName="MyTemplate")["Template"] == {
        "TemplateName": "MyTemplate",
        "SubjectPart": "Hi",
        "HtmlPart": "<b>new</b>",
    }


def test_v1_a_template_needs_a_text_or_html_part(ses: Any) -> None:
    ses.create_template(Template=GREETING)
    with pytest.raises(ClientError) as caught:
        ses.update_template(Template={"TemplateName": "MyTemplate", "SubjectPart": "Hi"})
    assert _error(caught)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as caught:
        ses.create_template(Template={"TemplateName": "Other", "SubjectPart": "Hi"})
    assert _error(caught)[0] == "InvalidParameterValue"


@pytest.mark.parametrize("name", ["has space", "x" * 65, "dots.not.allowed", "ünï"])
def test_v1_template_names_follow_the_rules(ses: Any, name: str) -> None:
    with pytest.raises(ClientError) as caught:
        ses.create_template(Template={**GREETING, "TemplateName": name})
    assert _error(caught)[0] == "InvalidParameterValue"


def test_v1_names_at_the_limits_are_accepted(ses: Any) -> None:
    for name in ("a", "A-b_9" + "z" * 59):
        ses.create_template(Template={**GREETING, "TemplateName": name})
    assert len(ses.list_templates(MaxItems=100)["TemplatesMetadata"]) == 2


def test_v1_invalid_handlebars_is_invalid_template(ses: Any) -> None:
    for html in ("{{#if x}}never closed", "{{> nowhere}}", "{{#each}}{{/if}}"):
        with pytest.raises(ses.exceptions.InvalidTemplateException):
            ses.create_template(Template={**GREETING, "HtmlPart": html})


def test_v1_size_limit_counts_text_and_html(ses: Any) -> None:
    half = "x" * (250 * 1024)
    ses.create_template(Template={**GREETING, "TextPart": half, "HtmlPart": half})
    with pytest.raises(ClientError) as caught:
        ses.create_template(
            Template={**GREETING, "TemplateName": "Big", "TextPart": half, "HtmlPart": half + "x"}
        )
    assert _error(caught)[0] == "InvalidParameterValue"


def test_v1_delete_is_silent_for_unknown_templates(ses: Any) -> None:
    ses.create_template(Template=GREETING)
    ses.delete_template(TemplateName="MyTemplate")
    ses.delete_template(TemplateName="MyTemplate")
    assert ses.list_templates()["TemplatesMetadata"] == []


def test_v1_list_pages_newest_first(ses: Any) -> None:
    names = [f"T{i:02d}" for i in range(13)]
    for name in names:
        ses.create_template(Template={**GREETING, "TemplateName": name})
    first = ses.list_templates()
    assert len(first["TemplatesMetadata"]) == 10  # the default page size
    seen = [item["Name"] for item in first["TemplatesMetadata"]]
    token = first.get("NextToken")
    while token:
        page = ses.list_templates(MaxItems=2, NextToken=token)
        seen += [item["Name"] for item in page["TemplatesMetadata"]]
        token = page.get("NextToken")
    assert seen == list(reversed(names))
    assert len(ses.list_templates(MaxItems=500)["TemplatesMetadata"]) == 13


def test_v1_bad_page_requests_are_refused(ses: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ses.list_templates(MaxItems=0)
    assert _error(caught)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as caught:
        ses.list_templates(NextToken="not-a-token")
    assert _error(caught)[0] == "InvalidParameterValue"


def test_v1_test_render_returns_the_mime_message(ses: Any) -> None:
    ses.create_template(Template=GREETING)
    rendered = ses.test_render_template(TemplateName="MyTemplate", TemplateData=DATA)
    message = _parse(rendered["RenderedTemplate"])
    assert message["Subject"] == "Greetings, Alejandro!"
    assert message["MIME-Version"] == "1.0"
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    assert _parts(message) == {
        "text/plain": "Dear Alejandro,\nYour favorite animal is alligator.",
        "text/html": "<h1>Hello Alejandro,</h1><p>Your favorite animal is alligator.</p>",
    }
    assert "\r\n" in rendered["RenderedTemplate"]


def test_v1_test_render_reports_a_missing_attribute(ses: Any) -> None:
    ses.create_template(Template=GREETING)
    with pytest.raises(ses.exceptions.MissingRenderingAttributeException) as caught:
        ses.test_render_template(TemplateName="MyTemplate", TemplateData='{"name": "John"}')
    assert _error(caught) == (
        "MissingRenderingAttribute",
        "Attribute 'favoriteanimal' is not present in the rendering data.",
        400,
    )


@pytest.mark.parametrize("data", ["not json", "[1, 2]", '"text"', "{'single': 1}", "NaN"])
def test_v1_test_render_refuses_data_that_is_not_a_json_object(ses: Any, data: str) -> None:
    ses.create_template(Template=GREETING)
    with pytest.raises(ses.exceptions.InvalidRenderingParameterException):
        ses.test_render_template(TemplateName="MyTemplate", TemplateData=data)


def test_v1_test_render_of_the_guides_advanced_templates(ses: Any) -> None:
    ses.create_template(
        Template={
            "TemplateName": "Preferences3",
            "SubjectPart": "{{firstName}}'s Subscription Preferences",
            "HtmlPart": '{{#* inline "fullName"}}{{firstName}}{{#if lastName}} {{lastName}}'
            "{{/if}}{{/inline}}\n<h1>Hello {{> fullName}}!</h1><ul>{{#each friends}}"
            "<li>{{> fullName}}</li>{{/each}}</ul>",
            "TextPart": '{{#* inline "fullName"}}{{firstName}}{{#if lastName}} {{lastName}}'
            "{{/if}}{{/inline}}\nHello {{> fullName}}! Friends:\n{{#each friends}}"
            "- {{> fullName}}\n{{/each}}",
        }
    )
    data = {
        "firstName": "Anaya",
        "lastName": "Iyengar",
        "friends": [{"firstName": "Shirley", "lastName": "Rodriguez"}, {"firstName": "Liu"}],
    }
    rendered = ses.test_render_template(TemplateName="Preferences3", TemplateData=json.dumps(data))
    message = _parse(rendered["RenderedTemplate"])
    assert message["Subject"] == "Anaya's Subscription Preferences"
    assert _parts(message) == {
        "text/plain": "Hello Anaya Iyengar! Friends:\n- Shirley Rodriguez\n- Liu\n",
        "text/html": "<h1>Hello Anaya Iyengar!</h1><ul><li>Shirley Rodriguez</li><li>Liu</li></ul>",
    }


def test_v1_test_render_keeps_html_in_data_and_unicode(ses: Any) -> None:
    ses.create_template(
        Template={
            "TemplateName": "Uni",
            "SubjectPart": "Olá {{name}} ✓",
            "HtmlPart": "<p>{{note}}</p>",
        }
    )
    data = {"name": "José 東京", "note": "<b>bold</b> & more"}
    rendered = ses.test_render_template(TemplateName="Uni", TemplateData=json.dumps(data))
    message = _parse(rendered["RenderedTemplate"])
    assert message["Subject"] == "Olá José 東京 ✓"
    assert rendered["RenderedTemplate"].isascii()
    # SES doesn't escape HTML content when rendering (guide, "Advanced email personalization").
    assert _parts(message) == {"text/html": "<p><b>bold</b> & more</p>\n"}


# --- v2 ---


V2_CONTENT = {"Subject": "Hi {{name}}", "Text": "Hello {{name}}", "Html": "<p>{{name}}</p>"}


def test_v2_create_get_update_delete(sesv2: Any) -> None:
    sesv2.create_email_template(
        TemplateName="Welcome",
        TemplateContent=V2_CONTENT,
        Tags=[{"Key": "team", "Value": "growth"}],
    )
    fetched = sesv2.get_email_template(TemplateName="Welcome")
    assert fetched["TemplateName"] == "Welcome"
    assert fetched["TemplateContent"] == V2_CONTENT
    assert fetched["Tags"] == [{"Key": "team", "Value": "growth"}]
    sesv2.update_email_template(
        TemplateName="Welcome", TemplateContent={"Subject": "New", "Text": "Only text"}
    )
    assert sesv2.get_email_template(TemplateName="Welcome")["TemplateContent"] == {
        "Subject": "New",
        "Text": "Only text",
    }
    sesv2.delete_email_template(TemplateName="Welcome")
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.get_email_template(TemplateName="Welcome")


def test_v2_errors(sesv2: Any) -> None:
    sesv2.create_email_template(TemplateName="Welcome", TemplateContent=V2_CONTENT)
    with pytest.raises(sesv2.exceptions.AlreadyExistsException) as caught:
        sesv2.create_email_template(TemplateName="Welcome", TemplateContent=V2_CONTENT)
    assert _error(caught) == (
        "AlreadyExistsException",
        "Template Welcome already exists for account id 000000000000",
        400,
    )
    for call in (
        lambda: sesv2.get_email_template(TemplateName="Nope"),
        lambda: sesv2.update_email_template(TemplateName="Nope", TemplateContent=V2_CONTENT),
        lambda: sesv2.delete_email_template(TemplateName="Nope"),
        lambda: sesv2.test_render_email_template(TemplateName="Nope", TemplateData="{}"),
    ):
        with pytest.raises(sesv2.exceptions.NotFoundException) as caught:
            call()
        assert _error(caught) == ("NotFoundException", "Template Nope does not exist.", 404)
    with pytest.raises(sesv2.exceptions.BadRequestException):
        sesv2.create_email_template(TemplateName="bad name", TemplateContent=V2_CONTENT)
    with pytest.raises(sesv2.exceptions.BadRequestException):
        sesv2.create_email_template(TemplateName="NoBody", TemplateContent={"Subject": "s"})
    with pytest.raises(sesv2.exceptions.BadRequestException):
        sesv2.create_email_template(
            TemplateName="Broken", TemplateContent={"Subject": "s", "Html": "{{#if}}"}
        )
    with pytest.raises(sesv2.exceptions.BadRequestException):
        sesv2.list_email_templates(PageSize=101)


def test_v2_test_render_and_its_errors(sesv2: Any) -> None:
    sesv2.create_email_template(TemplateName="Welcome", TemplateContent=V2_CONTENT)
    rendered = sesv2.test_render_email_template(
        TemplateName="Welcome", TemplateData='{"name": "Ann"}'
    )["RenderedTemplate"]
    message = _parse(rendered)
    assert message["Subject"] == "Hi Ann"
    assert _parts(message) == {"text/plain": "Hello Ann", "text/html": "<p>Ann</p>"}
    with pytest.raises(sesv2.exceptions.BadRequestException) as caught:
        sesv2.test_render_email_template(TemplateName="Welcome", TemplateData="{}")
    assert _error(caught) == (
        "BadRequestException",
        "Attribute 'name' is not present in the rendering data.",
        400,
    )
    with pytest.raises(sesv2.exceptions.BadRequestException):
        sesv2.test_render_email_template(TemplateName="Welcome", TemplateData="{oops")


def test_v2_list_pages(sesv2: Any) -> None:
    for i in range(12):
        sesv2.create_email_template(TemplateName=f"T{i:02d}", TemplateContent=V2_CONTENT)
    first = sesv2.list_email_templates()
    assert len(first["TemplatesMetadata"]) == 10
    seen = [item["TemplateName"] for item in first["TemplatesMetadata"]]
    page = sesv2.list_email_templates(NextToken=first["NextToken"], PageSize=5)
    seen += [item["TemplateName"] for item in page["TemplatesMetadata"]]
    assert "NextToken" not in page
    assert seen == [f"T{i:02d}" for i in reversed(range(12))]


# --- one store ---


def test_v1_and_v2_share_one_store(ses: Any, sesv2: Any) -> None:
    ses.create_template(Template=GREETING)
    assert sesv2.get_email_template(TemplateName="MyTemplate")["TemplateContent"] == {
        "Subject": GREETING["SubjectPart"],
        "Text": GREETING["TextPart"],
        "Html": GREETING["HtmlPart"],
    }
    sesv2.create_email_template(TemplateName="FromV2", TemplateContent=V2_CONTENT)
    assert [t["Name"] for t in ses.list_templates()["TemplatesMetadata"]] == [
        "FromV2",
        "MyTemplate",
    ]
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_template(Template={**GREETING, "TemplateName": "FromV2"})
    rendered = ses.test_render_template(TemplateName="FromV2", TemplateData='{"name": "V"}')
    assert "Subject: Hi V" in rendered["RenderedTemplate"]
    ses.delete_template(TemplateName="FromV2")
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.get_email_template(TemplateName="FromV2")


def test_templates_are_scoped_by_region(clean_dev_server: Any) -> None:
    east = clean_dev_server.client("ses")
    west = clean_dev_server.client("ses", region="eu-west-1")
    east.create_template(Template=GREETING)
    assert west.list_templates()["TemplatesMetadata"] == []
    west.create_template(Template=GREETING)
    west.delete_template(TemplateName="MyTemplate")
    assert east.get_template(TemplateName="MyTemplate")["Template"]["TemplateName"] == "MyTemplate"
