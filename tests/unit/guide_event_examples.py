# ruff: noqa: E501 -- verbatim JSON examples keep their long lines
"""The Developer Guide's JSON examples (seed G), and two records SES really published.

Copied from the guide's text with only the PDF extraction damage repaired: pages
split mid-object are joined, and the Firehose Bounce example's typos
(``sentingAccountId``, a ``recipients`` list inside ``mail``) are replaced by the
table's field names, as the spec digest (§5, #12) recommends. Line numbers are
those of /work/shared/seeds/004_5bd72196d7872834.txt.
"""

from __future__ import annotations

import json

# Event publishing examples, "Examples of event data that Amazon SES publishes to
# Kinesis Data Firehose" (identical to the SNS ones except where noted).

_EVENT_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
_ARN = "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com"

SEND_EVENT = json.loads(
    r"""{"eventType": "Send",
 "mail": {"timestamp": "2016-10-14T05:02:16.645Z", "source": "sender@example.com",
  "sourceArn": "ARN", "sendingAccountId": "123456789012", "messageId": "ID",
  "destination": ["recipient@example.com"], "headersTruncated": false,
  "headers": [{"name": "From", "value": "sender@example.com"},
   {"name": "To", "value": "recipient@example.com"},
   {"name": "Subject", "value": "Message sent from Amazon SES"},
   {"name": "MIME-Version", "value": "1.0"},
   {"name": "Content-Type", "value": "multipart/mixed; boundary=\"----=_Part_0_716996660.1476421336341\""},
   {"name": "X-SES-MESSAGE-TAGS", "value": "myCustomTag1=myCustomTagValue1, myCustomTag2=myCustomTagValue2"}],
  "commonHeaders": {"from": ["sender@example.com"], "to": ["recipient@example.com"],
   "messageId": "ID", "subject": "Message sent from Amazon SES"},
  "tags": {"ses:configuration-set": ["ConfigSet"], "ses:source-ip": ["192.0.2.0"],
   "ses:from-domain": ["example.com"], "ses:caller-identity": ["ses_user"],
   "myCustomTag1": ["myCustomTagValue1"], "myCustomTag2": ["myCustomTagValue2"]}},
 "send": {}}""".replace('"ARN"', f'"{_ARN}"').replace('"ID"', f'"{_EVENT_ID}"')
)

DELIVERY_EVENT = json.loads(
    r"""{"eventType": "Delivery",
 "mail": {"timestamp": "2016-10-19T23:20:52.240Z", "source": "sender@example.com",
  "sourceArn": "ARN", "sendingAccountId": "123456789012", "messageId": "ID",
  "destination": ["recipient@example.com"], "headersTruncated": false,
  "headers": [{"name": "From", "value": "sender@example.com"},
   {"name": "To", "value": "recipient@example.com"},
   {"name": "Subject", "value": "Message sent from Amazon SES"},
   {"name": "MIME-Version", "value": "1.0"},
   {"name": "Content-Type", "value": "text/html; charset=UTF-8"},
   {"name": "Content-Transfer-Encoding", "value": "7bit"}],
  "commonHeaders": {"from": ["sender@example.com"], "to": ["recipient@example.com"],
   "messageId": "ID", "subject": "Message sent from Amazon SES"},
  "tags": {"ses:configuration-set": ["ConfigSet"], "ses:source-ip": ["192.0.2.0"],
   "ses:from-domain": ["example.com"], "ses:caller-identity": ["ses_user"],
   "ses:outgoing-ip": ["192.0.2.0"],
   "myCustomTag1": ["myCustomTagValue1"], "myCustomTag2": ["myCustomTagValue2"]}},
 "delivery": {"timestamp": "2016-10-19T23:21:04.133Z", "processingTimeMillis": 11893,
  "recipients": ["recipient@example.com"], "smtpResponse": "250 2.6.0 Message received",
  "reportingMTA": "mta.example.com"}}""".replace('"ARN"', f'"{_ARN}"').replace(
        '"ID"', f'"{_EVENT_ID}"'
    )
)

REJECT_EVENT = json.loads(
    r"""{"eventType": "Reject",
 "mail": {"timestamp": "2016-10-14T17:38:15.211Z", "source": "sender@example.com",
  "sourceArn": "ARN", "sendingAccountId": "123456789012", "messageId": "ID",
  "destination": ["sender@example.com"], "headersTruncated": false,
  "headers": [{"name": "From", "value": "sender@example.com"},
   {"name": "To", "value": "recipient@example.com"},
   {"name": "Subject", "value": "Message sent from Amazon SES"},
   {"name": "MIME-Version", "value": "1.0"},
   {"name": "Content-Type", "value": "multipart/mixed; boundary=\"qMm9M+Fa2AknHoGS\""},
   {"name": "X-SES-MESSAGE-TAGS", "value": "myCustomTag1=myCustomTagValue1, myCustomTag2=myCustomTagValue2"}],
  "commonHeaders": {"from": ["sender@example.com"], "to": ["recipient@example.com"],
   "messageId": "ID", "subject": "Message sent from Amazon SES"},
  "tags": {"ses:configuration-set": ["ConfigSet"], "ses:source-ip": ["192.0.2.0"],
   "ses:from-domain": ["example.com"], "ses:caller-identity": ["ses_user"],
   "myCustomTag1": ["myCustomTagValue1"], "myCustomTag2": ["myCustomTagValue2"]}},
 "reject": {"reason": "Bad content"}}""".replace('"ARN"', f'"{_ARN}"').replace(
        '"ID"', f'"{_EVENT_ID}"'
    )
)

# L10877-10960, with the mail object rebuilt from its continuation page.
BOUNCE_EVENT = json.loads(
    r"""{"eventType": "Bounce",
 "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
  "bouncedRecipients": [{"emailAddress": "recipient@example.com", "action": "failed",
   "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
  "timestamp": "2017-08-05T00:41:02.669Z",
  "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
  "reportingMTA": "dsn; mta.example.com"},
 "mail": {"timestamp": "2017-08-05T00:40:02.012Z", "source": "Sender Name <sender@example.com>",
  "sourceArn": "ARN", "sendingAccountId": "123456789012", "messageId": "ID",
  "destination": ["recipient@example.com"], "headersTruncated": false,
  "headers": [{"name": "From", "value": "Sender Name <sender@example.com>"},
   {"name": "To", "value": "recipient@example.com"},
   {"name": "Subject", "value": "Message sent from Amazon SES"},
   {"name": "MIME-Version", "value": "1.0"},
   {"name": "Content-Type", "value": "multipart/alternative; boundary=\"----=_Part_7307378_1629847660.1516840721503\""}],
  "commonHeaders": {"from": ["Sender Name <sender@example.com>"], "to": ["recipient@example.com"],
   "messageId": "ID", "subject": "Message sent from Amazon SES"},
  "tags": {"ses:configuration-set": ["ConfigSet"], "ses:source-ip": ["192.0.2.0"],
   "ses:from-domain": ["example.com"], "ses:caller-identity": ["ses_user"]}}}""".replace(
        '"ARN"', f'"{_ARN}"'
    ).replace('"ID"', f'"{_EVENT_ID}"')
)

# L10971-11050. The guide leaves out complaintSubType; SES always sends it (null
# unless suppressed): see SES_COMPLAINT_EVENT_2022 and the guide's own table.
COMPLAINT_EVENT = json.loads(
    r"""{"eventType": "Complaint",
 "complaint": {"complainedRecipients": [{"emailAddress": "recipient@example.com"}],
  "timestamp": "2017-08-05T00:41:02.669Z",
  "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
  "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36",
  "complaintFeedbackType": "abuse", "arrivalDate": "2017-08-05T00:41:02.669Z"},
 "mail": {"timestamp": "2017-08-05T00:40:01.123Z", "source": "Sender Name <sender@example.com>",
  "sourceArn": "ARN", "sendingAccountId": "123456789012", "messageId": "ID",
  "destination": ["recipient@example.com"], "headersTruncated": false,
  "headers": [{"name": "From", "value": "Sender Name <sender@example.com>"},
   {"name": "To", "value": "recipient@example.com"},
   {"name": "Subject", "value": "Message sent from Amazon SES"},
   {"name": "MIME-Version", "value": "1.0"},
   {"name": "Content-Type", "value": "multipart/alternative; boundary=\"----=_Part_7298998_679725522.1516840859643\""}],
  "commonHeaders": {"from": ["Sender Name <sender@example.com>"], "to": ["recipient@example.com"],
   "messageId": "ID", "subject": "Message sent from Amazon SES"},
  "tags": {"ses:configuration-set": ["ConfigSet"], "ses:source-ip": ["192.0.2.0"],
   "ses:from-domain": ["example.com"], "ses:caller-identity": ["ses_user"]}}}""".replace(
        '"ARN"', f'"{_ARN}"'
    ).replace('"ID"', f'"{_EVENT_ID}"')
)

# L11322-11410: no sourceArn in this example's mail object.
OPEN_EVENT = json.loads(
    r"""{"eventType": "Open",
 "mail": {"commonHeaders": {"from": ["sender@example.com"], "messageId": "ID",
   "subject": "Message sent from Amazon SES", "to": ["recipient@example.com"]},
  "destination": ["recipient@example.com"],
  "headers": [{"name": "X-SES-CONFIGURATION-SET", "value": "ConfigSet"},
   {"name": "X-SES-MESSAGE-TAGS", "value": "myCustomTag1=myCustomValue1, myCustomTag2=myCustomValue2"},
   {"name": "From", "value": "sender@example.com"},
   {"name": "To", "value": "recipient@example.com"},
   {"name": "Subject", "value": "Message sent from Amazon SES"},
   {"name": "MIME-Version", "value": "1.0"},
   {"name": "Content-Type", "value": "multipart/alternative; boundary=\"XBoundary\""}],
  "headersTruncated": false, "messageId": "ID", "sendingAccountId": "123456789012",
  "source": "sender@example.com",
  "tags": {"myCustomTag1": ["myCustomValue1"], "myCustomTag2": ["myCustomValue2"],
   "ses:caller-identity": ["ses-user"], "ses:configuration-set": ["ConfigSet"],
   "ses:from-domain": ["example.com"], "ses:source-ip": ["192.0.2.0"]},
  "timestamp": "2017-08-09T21:59:49.927Z"},
 "open": {"ipAddress": "192.0.2.1", "timestamp": "2017-08-09T22:00:19.652Z",
  "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60"}}""".replace(
        '"ID"', f'"{_EVENT_ID}"'
    )
)

# L11420-11515: no sourceArn either.
CLICK_EVENT = json.loads(
    r"""{"eventType": "Click",
 "click": {"ipAddress": "192.0.2.1",
  "link": "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html",
  "linkTags": {"samplekey0": ["samplevalue0"], "samplekey1": ["samplevalue1"]},
  "timestamp": "2017-08-09T23:51:25.570Z",
  "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36"},
 "mail": {"commonHeaders": {"from": ["sender@example.com"], "messageId": "ID",
   "subject": "Message sent from Amazon SES", "to": ["recipient@example.com"]},
  "destination": ["recipient@example.com"],
  "headers": [{"name": "X-SES-CONFIGURATION-SET", "value": "ConfigSet"},
   {"name": "X-SES-MESSAGE-TAGS", "value": "myCustomTag1=myCustomValue1, myCustomTag2=myCustomValue2"},
   {"name": "From", "value": "sender@example.com"},
   {"name": "To", "value": "recipient@example.com"},
   {"name": "Subject", "value": "Message sent from Amazon SES"},
   {"name": "MIME-Version", "value": "1.0"},
   {"name": "Content-Type", "value": "multipart/alternative; boundary=\"XBoundary\""},
   {"name": "Message-ID", "value": "ID"}],
  "headersTruncated": false, "messageId": "ID", "sendingAccountId": "123456789012",
  "source": "sender@example.com",
  "tags": {"myCustomTag1": ["myCustomValue1"], "myCustomTag2": ["myCustomValue2"],
   "ses:caller-identity": ["ses_user"], "ses:configuration-set": ["ConfigSet"],
   "ses:from-domain": ["example.com"], "ses:source-ip": ["192.0.2.0"]},
  "timestamp": "2017-08-09T23:50:05.795Z"}}""".replace('"ID"', f'"{_EVENT_ID}"')
)

RENDERING_FAILURE_EVENT = json.loads(
    r"""{"eventType": "Rendering Failure",
 "mail": {"timestamp": "2018-01-22T18:43:06.197Z", "source": "sender@example.com",
  "sourceArn": "ARN", "sendingAccountId": "123456789012", "messageId": "ID",
  "destination": ["recipient@example.com"], "headersTruncated": false,
  "tags": {"ses:configuration-set": ["ConfigSet"]}},
 "failure": {"errorMessage": "Attribute 'attributeName' is not present in the rendering data.",
  "templateName": "MyTemplate"}}""".replace('"ARN"', f'"{_ARN}"').replace('"ID"', f'"{_EVENT_ID}"')
)

DELIVERY_DELAY_EVENT = json.loads(
    r"""{"eventType": "DeliveryDelay",
 "mail": {"timestamp": "2020-06-16T00:15:40.641Z", "source": "sender@example.com",
  "sourceArn": "ARN", "sendingAccountId": "123456789012", "messageId": "ID",
  "destination": ["recipient@example.com"], "headersTruncated": false,
  "tags": {"ses:configuration-set": ["ConfigSet"]}},
 "deliveryDelay": {"timestamp": "2020-06-16T00:25:40.095Z",
  "delayType": "TransientCommunicationFailure", "expirationTime": "2020-06-16T00:25:40.914Z",
  "delayedRecipients": [{"emailAddress": "recipient@example.com", "status": "4.4.1",
   "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host"}]}}""".replace(
        '"ARN"', f'"{_ARN}"'
    ).replace('"ID"', f'"{_EVENT_ID}"')
)

# Identity feedback notifications, "Amazon SNS notification examples" (L6655-7095).

_FEEDBACK_HEADERS = r"""[{"name": "From", "value": "\"John Doe\" <john@example.com>"},
   {"name": "To", "value": "\"Jane Doe\" <jane@example.com>, \"Mary Doe\" <mary@example.com>, \"Richard Doe\" <richard@example.com>"},
   {"name": "Message-ID", "value": "custom-message-ID"},
   {"name": "Subject", "value": "Hello"},
   {"name": "Content-Type", "value": "text/plain; charset=\"UTF-8\""},
   {"name": "Content-Transfer-Encoding", "value": "base64"},
   {"name": "Date", "value": "Wed, 27 Jan 2016 14:05:45 +0000"}]"""
_FEEDBACK_COMMON = r"""{"from": ["John Doe <john@example.com>"],
   "date": "Wed, 27 Jan 2016 14:05:45 +0000",
   "to": ["Jane Doe <jane@example.com>, Mary Doe <mary@example.com>, Richard Doe <richard@example.com>"],
   "messageId": "custom-message-ID", "subject": "Hello"}"""
_FEEDBACK_ARN = "arn:aws:ses:us-west-2:888888888888:identity/example.com"

BOUNCE_NOTIFICATION_WITH_DSN = json.loads(
    r"""{"notificationType": "Bounce",
 "bounce": {"bounceType": "Permanent", "reportingMTA": "dns; email.example.com",
  "bouncedRecipients": [{"emailAddress": "jane@example.com", "status": "5.1.1", "action": "failed",
   "diagnosticCode": "smtp; 550 5.1.1 <jane@example.com>... User"}],
  "bounceSubType": "General", "timestamp": "2016-01-27T14:59:38.237Z",
  "feedbackId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
  "remoteMtaIp": "127.0.2.0"},
 "mail": {"timestamp": "2016-01-27T14:59:38.237Z", "source": "john@example.com",
  "sourceArn": "FARN", "sourceIp": "127.0.3.0", "sendingAccountId": "123456789012",
  "messageId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
  "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
  "headersTruncated": false, "headers": HEADERS, "commonHeaders": COMMON}}""".replace(
        "FARN", _FEEDBACK_ARN
    )
    .replace("HEADERS", _FEEDBACK_HEADERS)
    .replace("COMMON", _FEEDBACK_COMMON)
)

BOUNCE_NOTIFICATION_WITHOUT_DSN = json.loads(
    r"""{"notificationType": "Bounce",
 "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
  "bouncedRecipients": [{"emailAddress": "jane@example.com"}, {"emailAddress": "richard@example.com"}],
  "timestamp": "2016-01-27T14:59:38.237Z",
  "feedbackId": "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000",
  "remoteMtaIp": "127.0.2.0"},
 "mail": {"timestamp": "2016-01-27T14:59:38.237Z",
  "messageId": "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000",
  "source": "john@example.com", "sourceArn": "FARN", "sourceIp": "127.0.3.0",
  "sendingAccountId": "123456789012",
  "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
  "headersTruncated": false, "headers": HEADERS, "commonHeaders": COMMON}}""".replace(
        "FARN", _FEEDBACK_ARN
    )
    .replace("HEADERS", _FEEDBACK_HEADERS)
    .replace("COMMON", _FEEDBACK_COMMON)
)

# complaintSubType added, as for COMPLAINT_EVENT.
COMPLAINT_NOTIFICATION_WITH_REPORT = json.loads(
    r"""{"notificationType": "Complaint",
 "complaint": {"userAgent": "AnyCompany Feedback Loop (v0.01)",
  "complainedRecipients": [{"emailAddress": "richard@example.com"}],
  "complaintFeedbackType": "abuse", "arrivalDate": "2016-01-27T14:59:38.237Z",
  "timestamp": "2016-01-27T14:59:38.237Z",
  "feedbackId": "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000"},
 "mail": {"timestamp": "2016-01-27T14:59:38.237Z",
  "messageId": "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
  "source": "john@example.com", "sourceArn": "FARN", "sourceIp": "127.0.3.0",
  "sendingAccountId": "123456789012",
  "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
  "headersTruncated": false, "headers": HEADERS, "commonHeaders": COMMON}}""".replace(
        "FARN", _FEEDBACK_ARN
    )
    .replace("HEADERS", _FEEDBACK_HEADERS)
    .replace("COMMON", _FEEDBACK_COMMON)
)

COMPLAINT_NOTIFICATION_WITHOUT_REPORT = json.loads(
    r"""{"notificationType": "Complaint",
 "complaint": {"complainedRecipients": [{"emailAddress": "richard@example.com"}],
  "timestamp": "2016-01-27T14:59:38.237Z",
  "feedbackId": "0000013786031775fea503bc-7497-49e1-881b-a0379bb037d3-000000"},
 "mail": {"timestamp": "2016-01-27T14:59:38.237Z",
  "messageId": "0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000",
  "source": "john@example.com", "sourceArn": "FARN", "sourceIp": "127.0.3.0",
  "sendingAccountId": "123456789012",
  "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
  "headersTruncated": false, "headers": HEADERS, "commonHeaders": COMMON}}""".replace(
        "FARN", _FEEDBACK_ARN
    )
    .replace("HEADERS", _FEEDBACK_HEADERS)
    .replace("COMMON", _FEEDBACK_COMMON)
)

# L7018-7095. The guide's mail.timestamp equals delivery.timestamp although
# processingTimeMillis is 546: a test must move one of them.
DELIVERY_NOTIFICATION = json.loads(
    r"""{"notificationType": "Delivery",
 "mail": {"timestamp": "2016-01-27T14:59:38.237Z",
  "messageId": "0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000",
  "source": "john@example.com", "sourceArn": "FARN", "sourceIp": "127.0.3.0",
  "sendingAccountId": "123456789012", "destination": ["jane@example.com"],
  "headersTruncated": false,
  "headers": [{"name": "From", "value": "\"John Doe\" <john@example.com>"},
   {"name": "To", "value": "\"Jane Doe\" <jane@example.com>"},
   {"name": "Message-ID", "value": "custom-message-ID"},
   {"name": "Subject", "value": "Hello"},
   {"name": "Content-Type", "value": "text/plain; charset=\"UTF-8\""},
   {"name": "Content-Transfer-Encoding", "value": "base64"},
   {"name": "Date", "value": "Wed, 27 Jan 2016 14:58:45 +0000"}],
  "commonHeaders": {"from": ["John Doe <john@example.com>"],
   "date": "Wed, 27 Jan 2016 14:58:45 +0000", "to": ["Jane Doe <jane@example.com>"],
   "messageId": "custom-message-ID", "subject": "Hello"}},
 "delivery": {"timestamp": "2016-01-27T14:59:38.237Z", "recipients": ["jane@example.com"],
  "processingTimeMillis": 546, "reportingMTA": "a8-70.smtp-out.amazonaws.com",
  "smtpResponse": "250 ok: Message 64111812 accepted", "remoteMtaIp": "127.0.2.0"}}""".replace(
        "FARN", _FEEDBACK_ARN
    )
)

# Two records SES really published: the SNS ``Message`` of signed notifications kept
# in django-ses's tests (tests/test_verifier.py), an event record from a
# configuration set and an identity bounce notification, both from the simulator.
# Only the escaping of the quotes in one Content-Type value was simplified.
SES_COMPLAINT_EVENT_2022 = json.loads(
    r"""{"eventType":"Complaint","complaint":{"feedbackId":"0100017fd2f87864-7f070191-4eb1-49e3-a42e-7e996b718724-000000","complaintSubType":null,"complainedRecipients":[{"emailAddress":"complaint@simulator.amazonses.com"}],"timestamp":"2022-03-28T23:59:33.564Z","userAgent":"Amazon SES Mailbox Simulator","complaintFeedbackType":"abuse","arrivalDate":"2022-03-28T23:59:33.564Z"},"mail":{"timestamp":"2022-03-28T23:59:32.804Z","source":"jesus.islasf@alumno.buap.mx","sourceArn":"arn:aws:ses:us-east-1:364852123998:identity/jesus.islasf@alumno.buap.mx","sendingAccountId":"364852123998","messageId":"0100017fd2f875c4-c2929163-2767-49b1-8513-1a29e428e134-000000","destination":["complaint@simulator.amazonses.com"],"headersTruncated":false,"headers":[{"name":"From","value":"jesus.islasf@alumno.buap.mx"},{"name":"To","value":"complaint@simulator.amazonses.com"},{"name":"Subject","value":"Complaint Notification"},{"name":"MIME-Version","value":"1.0"},{"name":"Content-Type","value":"multipart/alternative;  boundary=\"----=_Part_1160373_1543555432.1648511972808\""}],"commonHeaders":{"from":["jesus.islasf@alumno.buap.mx"],"to":["complaint@simulator.amazonses.com"],"messageId":"0100017fd2f875c4-c2929163-2767-49b1-8513-1a29e428e134-000000","subject":"Complaint Notification"},"tags":{"ses:operation":["SendEmail"],"ses:configuration-set":["test-set"],"ses:source-ip":["189.203.131.80"],"ses:from-domain":["alumno.buap.mx"],"ses:caller-identity":["root"]}}}"""
)

SES_BOUNCE_NOTIFICATION_2022 = json.loads(
    r"""{"notificationType":"Bounce","bounce":{"feedbackId":"0100017fe7044080-b95aeb18-3fb8-408a-be9b-15fdbac3945a-000000","bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"bounce@simulator.amazonses.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2022-04-01T21:24:49.000Z","remoteMtaIp":"3.231.136.178","reportingMTA":"dns; a48-30.smtp-out.amazonses.com"},"mail":{"timestamp":"2022-04-01T21:24:49.422Z","source":"jesus.islasf@alumno.buap.mx","sourceArn":"arn:aws:ses:us-east-1:364852123998:identity/jesus.islasf@alumno.buap.mx","sourceIp":"189.203.131.80","sendingAccountId":"364852123998","messageId":"0100017fe7043e8e-fc9c357d-a9a4-49bc-a4b4-fa984009d568-000000","destination":["bounce@simulator.amazonses.com"],"headersTruncated":false,"headers":[{"name":"From","value":"jesus.islasf@alumno.buap.mx"},{"name":"To","value":"bounce@simulator.amazonses.com"},{"name":"Subject","value":"Subject Test"},{"name":"MIME-Version","value":"1.0"},{"name":"Content-Type","value":"multipart/alternative;  boundary=\"----=_Part_2196631_1474166380.1648848289426\""}],"commonHeaders":{"from":["jesus.islasf@alumno.buap.mx"],"to":["bounce@simulator.amazonses.com"],"subject":"Subject Test"}}}"""
)
