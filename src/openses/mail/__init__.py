"""E-mail itself: MIME composition and parsing, DKIM signing, MX lookup, SMTP delivery,
reply classification and retry schedules.

Owns: RFC 5321/5322/6376 mechanics, as small pure functions and transports behind
one ``Deliverer`` protocol. Must not import: anything about AWS (protocol, api,
botocore) nor storage, services or servers. Depends only on ``openses.domain``.
"""
