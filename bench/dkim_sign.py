"""DKIM signatures per second on one core, for a 5 KB message.

Measures openses's signer (RSA-2048 and Ed25519) next to its peer dkimpy and next to
the bare private-key operation (the ceiling: what the signature alone costs), in
alternating rounds so a noisy shared machine affects all alike. Prints the figures and
writes ``bench/results/dkim_sign.json``.

    .venv/bin/python bench/dkim_sign.py [--rounds 5] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import dkim as dkimpy  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from openses.mail.dkim import DkimSigningKey, generate_key, private_key_pem, sign

RESULTS = Path(__file__).parent / "results" / "dkim_sign.json"
TIMESTAMP = 1_700_000_000


def five_kilobyte_message() -> bytes:
    head = (
        b"From: Alice Example <alice@example.com>\r\nTo: bob@example.org\r\n"
        b"Subject: Your monthly statement is ready\r\n"
        b"Date: Tue, 02 Jan 2024 10:00:00 +0000\r\nMessage-ID: <bench-1@example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        b"Content-Transfer-Encoding: 7bit\r\nX-SES-Configuration-Set: bench\r\n\r\n"
    )
    line = b"The quick brown fox jumps over the lazy dog; all  work and no play.  \r\n"
    body = line * ((5120 - len(head)) // len(line) + 1)
    return head + body[: 5120 - len(head) - 2] + b"\r\n"


def rate(operation: Callable[[], object], seconds: float) -> float:
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        operation()
        count += 1
    return count / (time.perf_counter() - start)


def contenders(message: bytes) -> dict[str, Callable[[], object]]:
    rsa_key = generate_key("rsa", 2048)
    ed_key = generate_key("ed25519")
    assert isinstance(rsa_key, rsa.RSAPrivateKey)
    assert isinstance(ed_key, ed25519.Ed25519PrivateKey)
    rsa_signer = DkimSigningKey("example.com", "bench", rsa_key)
    ed_signer = DkimSigningKey("example.com", "bench", ed_key)
    rsa_pem = private_key_pem(rsa_key).encode()
    ed_seed = ed_key.private_bytes_raw()
    header_data = message[:600]  # about what the canonical signed headers weigh
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
    return {
        "openses rsa-2048": lambda: sign(message, rsa_signer, timestamp=TIMESTAMP),
        "bare RSA-2048 sign": lambda: rsa_key.sign(header_data, pkcs1, sha256),
        "dkimpy rsa-2048": lambda: dkimpy.sign(message, b"bench", b"example.com", rsa_pem),
        "openses ed25519": lambda: sign(message, ed_signer, timestamp=TIMESTAMP),
        "bare Ed25519 sign": lambda: ed_key.sign(header_data),
        "dkimpy ed25519": lambda: dkimpy.sign(
            message,
            b"bench",
            b"example.com",
            base64.b64encode(ed_seed),
            signature_algorithm=b"ed25519-sha256",
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="per contender per round")
    args = parser.parse_args()
    message = five_kilobyte_message()
    runners = contenders(message)
    rounds: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.rounds):
        for name, operation in runners.items():
            # dkimpy's pure-Python RSA is ~100x slower: a shorter slice keeps rounds even.
            budget = args.seconds / 4 if name == "dkimpy rsa-2048" else args.seconds
            rounds[name].append(rate(operation, budget))
    figures = {
        name: {"median": round(statistics.median(r)), "all": [round(x) for x in r]}
        for name, r in rounds.items()
    }
    for name, figure in figures.items():
        print(f"{name:22} {figure['median']:>8,}/s   rounds: {figure['all']}")
    report = {
        "message_bytes": len(message),
        "rounds": args.rounds,
        "seconds_per_round": args.seconds,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "signatures_per_second": figures,
        "load_average_after": os.getloadavg(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
