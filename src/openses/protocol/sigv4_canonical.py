"""The SigV4 canonical request, string to sign and signature, rebuilt from the wire.

The client (botocore ``SigV4Auth`` / ``SigV4QueryAuth``) signs the request it is
about to send; the server must rebuild byte for byte the same canonical request
from what arrived, with the path and query string still percent-encoded.
Reference: "Create a canonical request for Signature Version 4" (AWS General
Reference) and botocore's ``auth.py``, the oracle the tests check against.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import quote, unquote_to_bytes

from openses.protocol.http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
SCOPE_TERMINATOR = "aws4_request"
SIGNATURE_QUERY_PARAMETER = "X-Amz-Signature"
# RFC 3986 unreserved characters, the only ones SigV4 leaves unencoded.
_UNRESERVED = "-_.~"


def utf8(text: str) -> bytes:
    """UTF-8 bytes of any ``str``, even one carrying lone surrogates from the wire."""
    return text.encode("utf-8", "surrogatepass")


def canonical_uri(raw_path: str) -> str:
    """The canonical URI of a path exactly as received (still percent-encoded).

    Services other than S3 normalise the path (RFC 3986 §5.2.4 dot segments,
    empty segments dropped) and then percent-encode the *already encoded* path
    once more: ``/v2/email/identities/a%2Bb%40x.com`` is signed as
    ``/v2/email/identities/a%252Bb%2540x.com`` (botocore ``_normalize_url_path``).
    """
    return quote(utf8(_remove_dot_segments(raw_path)), safe="/~")


def _remove_dot_segments(path: str) -> str:
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment not in ("", "."):
            kept.append(segment)
    leading = "/" if path.startswith("/") else ""
    trailing = "/" if path.endswith("/") and kept else ""
    return leading + "/".join(kept) + trailing


def canonical_query_string(query_string: str, *, presigned: bool, verbatim: bool = False) -> str:
    """Query parameters decoded once, re-encoded as RFC 3986 demands, sorted.

    Sorting is by encoded name, then encoded value (repeated names keep all their
    values). A presigned URL signs every parameter except ``X-Amz-Signature``.

    ``verbatim`` keeps each parameter exactly as it arrived instead: that is what
    botocore signs when the query is already part of the URL it is given, and it
    differs from the normalised form only for a query that was not encoded the
    canonical way (``%7E`` for ``~``, lower-case hex, ...).
    """
    pairs: list[tuple[str, str]] = []
    for item in query_string.split("&"):
        if not item:
            continue
        raw_name, _, raw_value = item.partition("=")
        name = raw_name if verbatim else _reencode(raw_name)
        if presigned and _reencode(raw_name) == SIGNATURE_QUERY_PARAMETER:
            continue
        pairs.append((name, raw_value if verbatim else _reencode(raw_value)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _reencode(component: str) -> str:
    # Decoding to bytes (not text) keeps any byte sequence intact, UTF-8 or not.
    return quote(unquote_to_bytes(utf8(component)), safe=_UNRESERVED)


def canonical_headers(headers: Mapping[str, str], signed_header_names: Sequence[str]) -> str:
    """``name:value`` lines of the signed headers, values trimmed, inner whitespace collapsed.

    ``headers`` has lower-case names, repeated headers already joined with ","
    as SigV4 wants them. A signed header that did not arrive is signed empty,
    which can only make the signature fail.
    """
    lines = []
    for name in signed_header_names:
        value = headers.get(name.lower(), "")
        lines.append(f"{name.lower()}:{' '.join(value.split())}\n")
    return "".join(lines)


def payload_hash(body: bytes) -> str:
    """Hex SHA-256 of the body.

    Always the real body: outside S3, AWS hashes the body whatever an
    ``X-Amz-Content-SHA256`` header claims, so a header that does not match the
    body (or says ``UNSIGNED-PAYLOAD``) makes the signature fail. botocore signs
    the body hash for presigned URLs of these services too (empty body).
    """
    return hashlib.sha256(body).hexdigest()


def canonical_requests(
    request: HttpRequest, signed_header_names: Sequence[str], *, presigned: bool
) -> list[str]:
    """The canonical request, plus its verbatim-query variant when that one differs.

    A client that signed either form signed this very request (see
    ``canonical_query_string``), so the server accepts a signature of either.
    """
    normalised, verbatim = (
        canonical_query_string(request.query_string, presigned=presigned, verbatim=flag)
        for flag in (False, True)
    )
    head = (request.method.upper(), canonical_uri(request.raw_path))
    tail = (
        canonical_headers(request.headers, signed_header_names),
        ";".join(signed_header_names),
        payload_hash(request.body),
    )
    queries = [normalised] if verbatim == normalised else [normalised, verbatim]
    return ["\n".join((*head, query, *tail)) for query in queries]


def string_to_sign(amz_date: str, credential_scope: str, canonical: str) -> str:
    digest = hashlib.sha256(utf8(canonical)).hexdigest()
    return "\n".join((ALGORITHM, amz_date, credential_scope, digest))


def signature(secret_access_key: str, scope: Sequence[str], amz_date: str, canonical: str) -> str:
    """Hex HMAC of the string to sign, with the key derived along the credential scope.

    ``scope`` is ``(date, region, service, "aws4_request")``.
    """
    key = utf8("AWS4" + secret_access_key)
    for scope_part in scope:
        key = hmac.new(key, utf8(scope_part), hashlib.sha256).digest()
    to_sign = string_to_sign(amz_date, "/".join(scope), canonical)
    return hmac.new(key, utf8(to_sign), hashlib.sha256).hexdigest()
