"""Independent DKIM verifiers for the tests, each fed public keys locally (no real DNS).

- dkimpy (Python), answering TXT look-ups from a dict.
- OpenDKIM's C library ``libopendkim`` (Debian ``libopendkim11``, pulled in by
  ``opendkim-tools``) through ctypes, with its built-in "file" query method: a text
  file of ``<selector>._domainkey.<domain> <TXT value>`` lines (libopendkim
  ``dkim_get_key_file``). ``opendkim-testmsg`` itself only queries live DNS.
  Supports rsa-sha256 and ed25519-sha256.
- Perl's Mail::DKIM (Debian ``libmail-dkim-perl``) with ``Mail::DKIM::DNS::query``
  replaced by a lookup in the keys we pass. The Debian 12 version has no Ed25519.

Constants are those of ``/usr/include/opendkim/dkim.h`` (OpenDKIM 2.11).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import dkim as dkimpy  # type: ignore[import-untyped]

KeyRecords = Mapping[str, str]  # "sel._domainkey.example.com" -> "v=DKIM1; k=rsa; p=..."

_DKIM_OP_SETOPT = 1
_DKIM_OPTS_QUERYMETHOD = 6
_DKIM_OPTS_QUERYINFO = 7
_DKIM_QUERY_FILE = 1
_DKIM_STAT_OK = 0
_DKIM_SIGFLAG_PASSED = 0x04
_DKIM_SIGBH_MATCH = 0


@dataclass(frozen=True)
class SignatureResult:
    domain: str
    selector: str
    passed: bool
    detail: str


def dkimpy_verify_all(message: bytes, records: KeyRecords) -> list[bool]:
    """dkimpy's verdict on every DKIM-Signature of the message, top first."""

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        record = records.get(name.decode("ascii").rstrip(".").lower())
        return record.encode("ascii") if record is not None else None

    header = message.split(b"\r\n\r\n", 1)[0]
    count = sum(1 for line in header.split(b"\n") if line.lower().startswith(b"dkim-signature:"))
    verdicts = []
    for index in range(count):
        try:
            verdicts.append(bool(dkimpy.DKIM(message).verify(idx=index, dnsfunc=dnsfunc)))
        except dkimpy.DKIMException:
            verdicts.append(False)
    return verdicts


class OpenDkim:
    """libopendkim's verifier, one library handle per key set."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("opendkim") or "libopendkim.so.11"
        self._lib = ctypes.CDLL(name)
        self._declare()

    @staticmethod
    def available() -> bool:
        return ctypes.util.find_library("opendkim") is not None

    def _declare(self) -> None:
        lib = self._lib
        vp, ip = ctypes.c_void_p, ctypes.c_int
        lib.dkim_init.restype = vp
        lib.dkim_init.argtypes = [vp, vp]
        lib.dkim_close.argtypes = [vp]
        lib.dkim_options.argtypes = [vp, ip, ip, vp, ctypes.c_size_t]
        lib.dkim_verify.restype = vp
        lib.dkim_verify.argtypes = [vp, ctypes.c_char_p, vp, ctypes.POINTER(ip)]
        lib.dkim_chunk.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t]
        lib.dkim_eom.argtypes = [vp, ctypes.POINTER(ctypes.c_bool)]
        lib.dkim_free.argtypes = [vp]
        lib.dkim_getsiglist.argtypes = [vp, ctypes.POINTER(ctypes.POINTER(vp)), ctypes.POINTER(ip)]
        lib.dkim_sig_getflags.restype = ctypes.c_uint
        lib.dkim_sig_getflags.argtypes = [vp]
        lib.dkim_sig_getbh.argtypes = [vp]
        lib.dkim_sig_geterror.argtypes = [vp]
        lib.dkim_sig_geterrorstr.restype = ctypes.c_char_p
        lib.dkim_sig_geterrorstr.argtypes = [ip]
        lib.dkim_sig_getdomain.restype = ctypes.c_char_p
        lib.dkim_sig_getdomain.argtypes = [vp]
        lib.dkim_sig_getselector.restype = ctypes.c_char_p
        lib.dkim_sig_getselector.argtypes = [vp]
        lib.dkim_geterror.restype = ctypes.c_char_p
        lib.dkim_geterror.argtypes = [vp]

    def verify_all(self, message: bytes, records: KeyRecords) -> list[SignatureResult]:
        """libopendkim's verdict on every signature (its order: top first)."""
        with tempfile.TemporaryDirectory() as directory:
            key_file = Path(directory) / "keys"
            key_file.write_text("".join(f"{name} {txt}\n" for name, txt in records.items()))
            handle = self._open_library(str(key_file).encode())
            try:
                return self._verify(handle, message)
            finally:
                self._lib.dkim_close(handle)

    def _open_library(self, key_file: bytes) -> int:
        handle = self._lib.dkim_init(None, None)
        assert handle, "dkim_init failed"
        method = ctypes.c_int(_DKIM_QUERY_FILE)
        self._set_option(handle, _DKIM_OPTS_QUERYMETHOD, ctypes.byref(method), 4)
        path = ctypes.create_string_buffer(key_file)
        self._set_option(handle, _DKIM_OPTS_QUERYINFO, path, len(key_file) + 1)
        return int(handle)

    def _set_option(self, handle: int, option: int, value: object, size: int) -> None:
        status = self._lib.dkim_options(handle, _DKIM_OP_SETOPT, option, value, size)
        assert status == _DKIM_STAT_OK, f"dkim_options({option}) -> {status}"

    def _verify(self, handle: int, message: bytes) -> list[SignatureResult]:
        lib = self._lib
        status = ctypes.c_int()
        verifier = lib.dkim_verify(handle, b"test", None, ctypes.byref(status))
        assert verifier, f"dkim_verify -> {status.value}"
        try:
            lib.dkim_chunk(verifier, message, len(message))
            lib.dkim_chunk(verifier, None, 0)
            lib.dkim_eom(verifier, ctypes.byref(ctypes.c_bool()))
            return self._signature_results(verifier)
        finally:
            lib.dkim_free(verifier)

    def _signature_results(self, verifier: int) -> list[SignatureResult]:
        lib = self._lib
        signatures = ctypes.POINTER(ctypes.c_void_p)()
        count = ctypes.c_int()
        if lib.dkim_getsiglist(verifier, ctypes.byref(signatures), ctypes.byref(count)) != 0:
            return []  # no signature at all
        results = []
        for index in range(count.value):
            signature = signatures[index]
            passed = bool(lib.dkim_sig_getflags(signature) & _DKIM_SIGFLAG_PASSED) and (
                lib.dkim_sig_getbh(signature) == _DKIM_SIGBH_MATCH
            )
            error = lib.dkim_sig_geterrorstr(lib.dkim_sig_geterror(signature))
            results.append(
                SignatureResult(
                    domain=(lib.dkim_sig_getdomain(signature) or b"").decode(),
                    selector=(lib.dkim_sig_getselector(signature) or b"").decode(),
                    passed=passed,
                    detail=(error or b"").decode(),
                )
            )
        return results


_PERL_VERIFIER = r"""
use strict;
use warnings;
use JSON::PP;
use Net::DNS;
use Mail::DKIM::Verifier;

my %records = %{ decode_json($ARGV[0]) };
no warnings 'redefine';
*Mail::DKIM::DNS::query = sub {
    my ($name, $type) = @_;
    my $txt = $records{lc $name};
    return () unless defined $txt && $type eq 'TXT';
    return (Net::DNS::RR->new(name => $name, type => 'TXT', txtdata => $txt));
};
binmode STDIN;
my $verifier = Mail::DKIM::Verifier->new();
while (my $chunk = <STDIN>) { $verifier->PRINT($chunk); }
$verifier->CLOSE();
my @results;
foreach my $signature ($verifier->signatures) {
    push @results, [$signature->domain, $signature->selector,
                    $signature->result, $signature->result_detail];
}
print encode_json(\@results);
"""


def perl_mail_dkim_available() -> bool:
    if shutil.which("perl") is None:
        return False
    probe = subprocess.run(
        ["perl", "-MMail::DKIM::Verifier", "-e", "1"], capture_output=True, check=False
    )
    return probe.returncode == 0


def perl_mail_dkim_verify_all(message: bytes, records: KeyRecords) -> list[SignatureResult]:
    """Mail::DKIM's verdict on every signature, in header order (top first)."""
    completed = subprocess.run(
        ["perl", "-e", _PERL_VERIFIER, json.dumps({k.lower(): v for k, v in records.items()})],
        input=message,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return [
        SignatureResult(domain=d, selector=s, passed=result == "pass", detail=detail)
        for d, s, result, detail in json.loads(completed.stdout)
    ]
