"""Content scanning at acceptance: SES accepts a message, then rejects it if it carries a virus.

SES's Developer Guide tells users to test this with the EICAR test file ("Reject
testing"): the message is accepted with a message id, a Reject event with reason
"Bad content" follows, nothing is delivered, and it still counts against the
quotas. openses recognises that standard test signature, so the whole path can be
exercised; a real anti-virus engine can sit behind the same function later.

The EICAR file is 68 bytes of printable ASCII at the start of a file (optionally
followed by whitespace), so in a message it appears either as-is (7bit, 8bit,
quoted-printable: none of its characters needs escaping) or base64-encoded from
offset 0 of a part. Line breaks of either encoding are removed before looking,
which keeps this a few linear passes over the raw bytes: no MIME parse on the
hot path.
"""

from __future__ import annotations

import base64

EICAR_SIGNATURE = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

# Base64 of the signature's first 66 bytes (a multiple of 3): these 88 characters do
# not depend on what follows the signature in the file.
_EICAR_BASE64 = base64.b64encode(EICAR_SIGNATURE[:66])

# Before any copying, one of these must be present. A quoted-printable line break can
# fall inside the signature at most twice, so one of three disjoint pieces survives; a
# base64 part starting with the file starts with the first 8 characters of its encoding
# whatever the encoder's line length.
_MARKERS = (b"X5O!P%@AP", b"EICAR-STANDARD", b"-TEST-FILE!", _EICAR_BASE64[:8])


def carries_known_malware(raw: bytes) -> bool:
    """True when the message holds the EICAR test file, in any transfer encoding."""
    if EICAR_SIGNATURE in raw:
        return True
    if not any(marker in raw for marker in _MARKERS):
        return False  # the common case: one pass per marker, no copies
    unbroken = raw.replace(b"=\r\n", b"").replace(b"=\n", b"")  # quoted-printable soft breaks
    if EICAR_SIGNATURE in unbroken:
        return True
    joined = raw.replace(b"\r\n", b"").replace(b"\n", b"")  # base64 lines, padding kept
    start = joined.find(_EICAR_BASE64)
    while start >= 0:
        # Decode the whole signature's worth (92 characters = 69 bytes): a truncated
        # signature is not the test file.
        chunk = joined[start : start + 92]
        try:
            if base64.b64decode(chunk + b"=" * (-len(chunk) % 4)).startswith(EICAR_SIGNATURE):
                return True
        except ValueError:
            pass
        start = joined.find(_EICAR_BASE64, start + 1)
    return False
