"""The AWS wire protocols, driven by botocore's service models.

Owns: SigV4 verification, request routing and parsing, validation against the
model, and serialization of responses and errors for the ``query`` (SES v1,
SNS) and ``rest-json`` (SES v2) protocols.

Must not import: anything about e-mail (domain, services, storage, api,
servers). An operation's behaviour lives elsewhere; this layer only turns bytes
into parameters and results into bytes, exactly as AWS does.
"""
