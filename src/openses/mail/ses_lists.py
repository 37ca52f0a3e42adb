"""SES's published lists: headers that may appear once, attachment extensions it refuses,
and headers v2 Simple content may not set. Names compare case-insensitively.
"""

from __future__ import annotations

import re
from typing import Final

# [SEED] "Amazon SES header fields": fields that can't appear more than once. The
# current guide adds List-Unsubscribe-Post. Compared case-insensitively.
SINGLE_INSTANCE_HEADERS: Final = (
    "Accept-Language",
    "acceptLanguage",
    "Archived-At",
    "Auto-Submitted",
    "Bounces-to",
    "Comments",
    "Content-Alternative",
    "Content-Base",
    "Content-Class",
    "Content-Description",
    "Content-Disposition",
    "Content-Duration",
    "Content-ID",
    "Content-Language",
    "Content-Length",
    "Content-Location",
    "Content-MD5",
    "Content-Transfer-Encoding",
    "Content-Type",
    "Date",
    "Delivered-To",
    "Disposition-Notification-Options",
    "Disposition-Notification-To",
    "DKIM-Signature",
    "DomainKey-Signature",
    "Errors-To",
    "From",
    "Importance",
    "In-Reply-To",
    "Keywords",
    "List-Archive",
    "List-Help",
    "List-Id",
    "List-Owner",
    "List-Post",
    "List-Subscribe",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Message-Context",
    "Message-ID",
    "MIME-Version",
    "Organization",
    "Original-From",
    "Original-Message-ID",
    "Original-Recipient",
    "Original-Subject",
    "Precedence",
    "Priority",
    "References",
    "Reply-To",
    "Return-Path",
    "Return-Receipt-To",
    "Sender",
    "Solicitation",
    "Sensitivity",
    "Subject",
    "Thread-Index",
    "Thread-Topic",
    "User-Agent",
    "VBR-Info",
)

# [SEED] "Amazon SES unsupported attachment types" (90 extensions).
BLOCKED_EXTENSIONS: Final = frozenset(
    (
        "ade",
        "adp",
        "app",
        "asp",
        "bas",
        "bat",
        "cer",
        "chm",
        "cmd",
        "com",
        "cpl",
        "crt",
        "csh",
        "der",
        "exe",
        "fxp",
        "gadget",
        "hlp",
        "hta",
        "inf",
        "ins",
        "isp",
        "its",
        "js",
        "jse",
        "ksh",
        "lib",
        "lnk",
        "mad",
        "maf",
        "mag",
        "mam",
        "maq",
        "mar",
        "mas",
        "mat",
        "mau",
        "mav",
        "maw",
        "mda",
        "mdb",
        "mde",
        "mdt",
        "mdw",
        "mdz",
        "msc",
        "msh",
        "msh1",
        "msh2",
        "mshxml",
        "msh1xml",
        "msh2xml",
        "msi",
        "msp",
        "mst",
        "ops",
        "pcd",
        "pif",
        "plg",
        "prf",
        "prg",
        "reg",
        "scf",
        "scr",
        "sct",
        "shb",
        "shs",
        "sys",
        "ps1",
        "ps1xml",
        "ps2",
        "ps2xml",
        "psc1",
        "psc2",
        "tmp",
        "url",
        "vb",
        "vbe",
        "vbs",
        "vps",
        "vsmacros",
        "vss",
        "vst",
        "vsw",
        "vxd",
        "ws",
        "wsc",
        "wsf",
        "wsh",
        "xnk",
    )
)

SINGLE_INSTANCE_BY_LOWER: Final = {name.lower(): name for name in SINGLE_INSTANCE_HEADERS}

# Current guide, "Amazon SES header fields": with SendEmail Simple or Template content
# (and SendBulkEmail) these cannot be custom headers, SES sets them itself.
DISALLOWED_CUSTOM_HEADERS: Final = frozenset(
    name.lower()
    for name in (
        "BCC",
        "CC",
        "Content-Disposition",
        "Content-Type",
        "Date",
        "From",
        "Message-ID",
        "MIME-Version",
        "Reply-To",
        "Return-Path",
        "Subject",
        "To",
    )
)


def blocked_extension(file_name: str) -> str | None:
    """The unsupported extension of ``file_name`` (case-insensitive), if it has one.

    Trailing dots, spaces and NULs are dropped first: Windows ignores them, so
    ``evil.exe.`` runs as ``evil.exe``.
    """
    base = re.split(r"[/\\]", file_name)[-1].rstrip(" .\t\x00")
    if "." not in base:
        return None
    extension = base.rsplit(".", 1)[1].lower()
    return extension if extension in BLOCKED_EXTENSIONS else None
