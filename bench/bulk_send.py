"""Bulk templated sending: 10,000 destinations in 200 SendBulkTemplatedEmail calls.

openses (dev mode, SQLite with ``synchronous=FULL``, quotas raised,
``OPENSES_DELIVERY=relay`` to Postfix's ``smtp-sink`` on loopback, the sending domain
an Easy DKIM RSA-2048 identity) receives ``--calls`` SES v1 ``SendBulkTemplatedEmail``
requests of ``--per-call`` destinations each (one recipient per destination, its own
``ReplacementTemplateData`` over a ``DefaultTemplateData``), pre-serialized from the
botocore model, pre-signed with ``SigV4Auth`` and sent over ``--concurrency``
keep-alive connections. The stored template uses nested paths, ``#each`` and ``#if``.
Each destination is one message that openses renders, composes, DKIM-signs and relays.

Two figures: destinations accepted per second (first request to last answer; every
destination must come back ``Success``) and messages delivered per second (first
request to the last message counted by ``smtp-sink -c``). ``--accept-only`` runs
openses without its delivery worker (``OPENSES_WORKERS=0``): the accept path alone,
nothing delivered. Prints the figures and writes ``bench/results/bulk_send.json``.

    DEBIAN_FRONTEND=noninteractive apt-get install -y postfix   # for smtp-sink
    .venv/bin/python bench/bulk_send.py [--calls 200] [--per-call 50] [--rounds 1]
        [--accept-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import botocore.session
import harness
from botocore import serialize
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from end_to_end import Sink, start_ours

RECIPIENT_DOMAIN = "dest.test"
TEMPLATE = {
    "TemplateName": "BenchStatement",
    "SubjectPart": "Your statement, {{contact.firstName}}",
    "TextPart": (
        "Dear {{contact.firstName}} {{contact.lastName}},\r\n"
        "{{#each items}}- {{name}}: {{amount}}\r\n{{/each}}"
        "{{#if note}}{{note}}\r\n{{/if}}Account {{meta.account}}.\r\n"
    ),
    "HtmlPart": (
        "<h1>Dear {{contact.firstName}}</h1><ul>{{#each items}}<li>{{name}}: {{amount}}</li>"
        "{{/each}}</ul><p>Account {{meta.account}}</p>"
    ),
}
_SUCCESS = re.compile(rb"<Status>Success</Status>")


def _destination(serial: int) -> dict[str, Any]:
    data = {
        "contact": {"firstName": f"Reader{serial}", "lastName": "Example"},
        "meta": {"account": f"{serial:08d}"},
        "items": [{"name": "Fees", "amount": serial % 97}, {"name": "Credit", "amount": 5}],
    }
    return {
        "Destination": {"ToAddresses": [f"r{serial}@{RECIPIENT_DOMAIN}"]},
        "ReplacementTemplateData": json.dumps(data),
    }


def _signed_call(port: int, destinations: list[dict[str, Any]]) -> bytes:
    """One SendBulkTemplatedEmail request, serialized by botocore and SigV4-signed."""
    params = {
        "Source": f"Bench Sender <sender@{harness.SENDER_DOMAIN}>",
        "Template": TEMPLATE["TemplateName"],
        "DefaultTemplateData": json.dumps(
            {"contact": {"lastName": ""}, "meta": {"account": "-"}, "items": [], "note": ""}
        ),
        "Destinations": destinations,
    }
    model = botocore.session.get_session().get_service_model("ses")
    serialized = serialize.create_serializer("query").serialize_to_request(
        params, model.operation_model("SendBulkTemplatedEmail")
    )
    body = urllib.parse.urlencode(serialized["body"]).encode()
    host = f"127.0.0.1:{port}"
    request = AWSRequest(
        method="POST",
        url=f"http://{host}/",
        data=body,
        headers={"Host": host, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(harness.CREDENTIALS, "ses", harness.REGION).add_auth(request)
    lines = ["POST / HTTP/1.1", *(f"{k}: {v}" for k, v in request.headers.items())]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(port: int, requests: list[bytes], outcome: dict[str, int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while requests:
            writer.write(requests.pop())
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            body = await reader.readexactly(int(length.group(1)) if length else 0)
            outcome["calls_ok" if head[9:12] == b"200" else "call_errors"] += 1
            outcome["accepted"] += len(_SUCCESS.findall(body))
    finally:
        writer.close()


async def _send_all(port: int, requests: list[bytes], concurrency: int) -> dict[str, int]:
    outcome = {"calls_ok": 0, "call_errors": 0, "accepted": 0}
    pending = list(reversed(requests))
    await asyncio.gather(*(_connection(port, pending, outcome) for _ in range(concurrency)))
    return outcome


def run_round(
    args: argparse.Namespace, port: int, pid: int, sink: Sink, round_number: int
) -> dict[str, Any]:
    first = round_number * args.calls * args.per_call
    requests = [
        _signed_call(
            port, [_destination(first + c * args.per_call + d) for d in range(args.per_call)]
        )
        for c in range(args.calls)
    ]
    total = args.calls * args.per_call
    target = sink.count + total
    cpu_before = harness.cpu_seconds(pid)
    start = time.monotonic()
    outcome = asyncio.run(_send_all(port, requests, args.concurrency))
    accepted_at = time.monotonic()
    delivered_at = None if args.accept_only else sink.wait_for(target, args.timeout)
    end = delivered_at or time.monotonic()
    return {
        "destinations": total,
        **outcome,
        "accept_seconds": accepted_at - start,
        "accepted_per_s": outcome["accepted"] / (accepted_at - start),
        "delivered": total - max(0, target - sink.count),
        "deliver_seconds": end - start,
        "delivered_per_s": (total / (end - start)) if delivered_at else 0.0,
        "server_cpu_ms_per_message": 1000 * (harness.cpu_seconds(pid) - cpu_before) / total,
    }


def show(run: dict[str, Any]) -> None:
    print(
        f"  accepted {run['accepted']}/{run['destinations']} destinations in"
        f" {run['accept_seconds']:.1f} s: {run['accepted_per_s']:,.0f}/s;"
        f" delivered {run['delivered']} in {run['deliver_seconds']:.1f} s:"
        f" {run['delivered_per_s']:,.0f}/s; server CPU"
        f" {run['server_cpu_ms_per_message']:.1f} ms/message",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--per-call", type=int, default=50, help="destinations per call")
    parser.add_argument("--concurrency", type=int, default=4, help="connections")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="per round")
    parser.add_argument("--accept-only", action="store_true", help="no delivery worker")
    args = parser.parse_args()
    if not shutil.which("smtp-sink"):
        raise SystemExit("needs Debian's postfix package (smtp-sink)")
    with harness.Processes() as processes, tempfile.TemporaryDirectory() as temp:
        sink = Sink(processes)
        if args.accept_only:
            port = harness.free_port()
            server = harness.start_openses(
                processes, Path(temp) / "openses-data", port, OPENSES_WORKERS="0"
            )
            sesv2 = harness.boto3_client("sesv2", port)
            sesv2.create_email_identity(EmailIdentity=harness.SENDER_DOMAIN)
        else:
            port, server = start_ours(processes, Path(temp) / "openses-data", sink)
        harness.boto3_client("ses", port).create_template(Template=TEMPLATE)
        runs = []
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}", flush=True)
            runs.append(run_round(args, port, server.pid, sink, round_number))
            show(runs[-1])
            if runs[-1]["accepted"] != runs[-1]["destinations"]:
                raise SystemExit("not every destination was accepted: the figures mean nothing")
        report = {"machine": harness.machine(), "settings": vars(args), "runs": runs}
        harness.write_results("bulk_send", report)


if __name__ == "__main__":
    main()
