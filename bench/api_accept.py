"""API accept rate: SES sends per second and their latency, openses next to moto_server.

The load is ``wrk`` (Debian package ``wrk``, C, one thread) replaying requests signed
beforehand with botocore's ``SigV4Auth`` over keep-alive HTTP/1.1 connections: SES v1
``SendRawEmail`` and SES v2 ``SendEmail`` (Simple content) of 5 KB messages, at
concurrency 16 and 64. The peer, ``moto_server`` (installed in its own venv, never in
the project's), answers the same requests in the same run: ours and the peer
alternate, a warm-up round first, then ``--pairs`` rounds. Requests are re-signed for
every round (a SigV4 signature stays valid about 15 minutes); wrk cycles through them.

openses runs in dev mode on SQLite (``synchronous=FULL``: every accepted message is on
disk before the answer) with its quotas raised; by default without the in-process
delivery worker (``OPENSES_WORKERS=0``), so the figure is the accept path alone. Any
non-2xx answer (Throttling included) counts as an error. Prints the figures and writes
``bench/results/api_accept.json``; ``--profile-seconds`` adds a py-spy profile of the
openses server under the c16 SendRawEmail load.

    python3 -m venv /tmp/moto-venv && /tmp/moto-venv/bin/pip install 'moto[server]'
    .venv/bin/python bench/api_accept.py [--pairs 5] [--seconds 5] [--profile-seconds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import harness

WRK_SCRIPT = r"""
-- Replays pre-signed raw HTTP/1.1 requests from a file: "<length>\n<bytes>" records.
local requests = {}
local next_index = 0

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  local position = 1
  while position <= #data do
    local newline = data:find("\n", position, true)
    local length = tonumber(data:sub(position, newline - 1))
    requests[#requests + 1] = data:sub(newline + 1, newline + length)
    position = newline + length + 1
  end
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "non_2xx": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""

OPERATIONS = tuple(harness.SIGNERS)
PROFILE_MARKERS = (
    "openses/protocol/sigv4",
    "openses/services/sending.py",
    "reserve_send",
    "insert_message",
    "insert_events",
    "sending_settings",
    "_check_identities",
    "openses/mail/",
    "openses/protocol/query",
    "openses/protocol/rest_json",
    "openses/protocol/validation",
    "aiosqlite/",
    "sqlalchemy/",
    "uvicorn/",
)


def write_signed_requests(
    directory: Path, port: int, operation: str, count: int, round_number: int
) -> Path:
    sign = harness.SIGNERS[operation]
    path = directory / f"{operation}-{port}.requests"
    with path.open("wb") as out:
        for i in range(count):
            request = sign(port, round_number * count + i, f"r{i}@dest.test")
            out.write(f"{len(request)}\n".encode() + request)
    return path


def run_wrk(
    port: int, requests_file: Path, script: Path, concurrency: int, seconds: float, pid: int
) -> dict[str, Any]:
    """One wrk run; adds req/s, the errors, and the CPU of generator and server per request."""
    generator_before = harness.children_cpu_seconds()
    server_before = harness.cpu_seconds(pid)
    completed = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}/", "--", str(requests_file)],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    server_cpu = harness.cpu_seconds(pid) - server_before
    generator_cpu = harness.children_cpu_seconds() - generator_before
    line = next(x for x in completed.stdout.splitlines() if x.startswith("{"))
    run: dict[str, Any] = json.loads(line)
    requests = max(run["requests"], 1)
    errors = sum(run[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    run.update(
        rps=run["requests"] / (run["duration_us"] / 1e6),
        errors=errors + run["non_2xx"],
        server_cpu_ms_per_request=1000 * server_cpu / requests,
        server_cpu_percent=100 * server_cpu / (run["duration_us"] / 1e6),
        generator_cpu_us_per_request=1e6 * generator_cpu / requests,
    )
    return run


def start_moto(processes: harness.Processes, moto_server: str) -> tuple[int, int]:
    port = harness.free_port()
    server = processes.start([moto_server, "-H", "127.0.0.1", "-p", str(port)])
    harness.wait_for_http(f"http://127.0.0.1:{port}/moto-api/")
    # moto rejects mail from an unverified source, as SES does; it verifies at once.
    harness.boto3_client("ses", port).verify_domain_identity(Domain=harness.SENDER_DOMAIN)
    return port, server.pid


def start_ours(
    processes: harness.Processes, data_dir: Path, workers: int, server_processes: int = 1
) -> tuple[int, int]:
    port = harness.free_port()
    server = harness.start_openses(
        processes,
        data_dir,
        port,
        OPENSES_WORKERS=str(workers),
        OPENSES_HTTP_PROCESSES=str(server_processes),
    )
    sesv2 = harness.boto3_client("sesv2", port)
    sesv2.create_email_identity(EmailIdentity=harness.SENDER_DOMAIN)
    return port, server.pid


def measure_round(
    targets: dict[str, tuple[int, int]],
    work: Path,
    args: argparse.Namespace,
    round_number: int,
) -> dict[tuple[str, int, str], dict[str, Any]]:
    """Every operation at every concurrency, ours and the peer back to back, order alternating."""
    results: dict[tuple[str, int, str], dict[str, Any]] = {}
    order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
    for operation in OPERATIONS:
        files = {
            system: write_signed_requests(work, port, operation, args.signed, round_number)
            for system, (port, _pid) in targets.items()
        }
        for concurrency in args.concurrency:
            for system in order:
                port, pid = targets[system]
                run = run_wrk(port, files[system], work / "replay.lua", concurrency,
                              args.seconds, pid)  # fmt: skip
                results[(operation, concurrency, system)] = run
                print(
                    f"  {operation:16} c{concurrency:<3} {system:11} {run['rps']:8,.0f} req/s"
                    f"  p50 {run['p50_us'] / 1000:6.1f} ms  p99 {run['p99_us'] / 1000:6.1f} ms"
                    f"  errors {run['errors']:>5}  server {run['server_cpu_percent']:3.0f} % CPU"
                    f"  wrk {run['generator_cpu_us_per_request']:4.0f} us/req",
                    flush=True,
                )
    return results


def summarize(
    rounds: list[dict[tuple[str, int, str], dict[str, Any]]], systems: list[str]
) -> list[dict[str, Any]]:
    ours_name, peer_name = systems
    summary = []
    for operation in OPERATIONS:
        concurrencies = sorted({key[1] for key in rounds[0] if key[0] == operation})
        for concurrency in concurrencies:
            per_system: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
            for results in rounds:
                for system in systems:
                    run = results[(operation, concurrency, system)]
                    for field in (
                        "rps",
                        "p50_us",
                        "p99_us",
                        "errors",
                        "server_cpu_ms_per_request",
                        "generator_cpu_us_per_request",
                    ):
                        per_system[system][field].append(run[field])  # fmt: skip
            entry: dict[str, Any] = {"operation": operation, "concurrency": concurrency}
            for system in systems:
                fields = per_system[system]
                entry[system] = {
                    "rps": harness.spread(fields["rps"]),
                    "p50_ms": statistics.median(fields["p50_us"]) / 1000,
                    "p99_ms": harness.spread([v / 1000 for v in fields["p99_us"]]),
                    "errors_total": int(sum(fields["errors"])),
                    "server_cpu_ms_per_request": statistics.median(
                        fields["server_cpu_ms_per_request"]
                    ),
                    "generator_cpu_us_per_request": statistics.median(
                        fields["generator_cpu_us_per_request"]
                    ),
                }
            entry["rps_ratio_ours_to_peer"] = harness.paired_ratios(
                per_system[ours_name]["rps"], per_system[peer_name]["rps"]
            )
            summary.append(entry)
    return summary


def print_summary(summary: list[dict[str, Any]], systems: list[str]) -> None:
    print("\nmedians over the pairs (min-max):")
    for entry in summary:
        for system in systems:
            figures = entry[system]
            rps, p99 = figures["rps"], figures["p99_ms"]
            print(
                f"  {entry['operation']:16} c{entry['concurrency']:<3} {system:11}"
                f" {rps['median']:7,.0f} req/s ({rps['min']:,.0f}-{rps['max']:,.0f})"
                f"  p50 {figures['p50_ms']:5.1f} ms"
                f"  p99 {p99['median']:5.1f} ms ({p99['min']:.1f}-{p99['max']:.1f})"
                f"  errors {figures['errors_total']}"
                f"  server {figures['server_cpu_ms_per_request']:.2f} ms CPU/req"
            )
        print(f"  {'':21} ours/peer req/s, median of paired ratios: "
              f"{entry['rps_ratio_ours_to_peer']['median']:.2f}")  # fmt: skip


def profile_ours(port: int, pid: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """py-spy samples the openses server under the c16 SendRawEmail load, twice.

    ``--gil`` samples only the thread holding the GIL: where the Python CPU goes.
    ``--native`` samples every thread, running or waiting: what the requests wait for
    (SQLite's busy handler sleeping on the write lock, fsync, the GIL, idle loops).
    """
    requests_file = write_signed_requests(work, port, OPERATIONS[0], args.signed, 999)
    seconds = max(1, round(args.profile_seconds))
    profile: dict[str, Any] = {}
    for mode in ("gil", "native"):
        collapsed = harness.RESULTS / f"api_accept_profile_{mode}.txt"
        run = harness.profiled_run(
            pid, collapsed, mode, seconds,
            lambda: run_wrk(port, requests_file, work / "replay.lua", 16, seconds, pid),
        )  # fmt: skip
        if mode == "gil":
            breakdown = harness.profile_breakdown(collapsed, PROFILE_MARKERS)
        else:
            breakdown = harness.wait_breakdown(collapsed)
        print(f"\nprofile ({mode}) of openses, c16 SendRawEmail, {run['rps']:,.0f} req/s:")
        harness.print_breakdown(breakdown)
        profile[mode] = {"rps_while_profiled": run["rps"], "stacks": str(collapsed), **breakdown}
    return profile


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="measured rounds after a warm-up")
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--signed", type=int, default=2000, help="distinct requests per run")
    parser.add_argument("--workers", type=int, default=0, help="openses delivery workers")
    parser.add_argument("--processes", type=int, default=1, help="openses server processes")
    parser.add_argument("--moto-server", default="/tmp/moto-venv/bin/moto_server")
    parser.add_argument("--no-peer", action="store_true", help="measure openses alone")
    parser.add_argument("--profile-seconds", type=float, default=0.0)
    return parser.parse_args()


def main() -> None:
    args = parse_arguments()
    with harness.Processes() as processes, tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        (work / "replay.lua").write_text(WRK_SCRIPT)
        targets = {
            "openses": start_ours(processes, work / "openses-data", args.workers, args.processes)
        }
        if not args.no_peer:
            targets["moto_server"] = start_moto(processes, args.moto_server)
        systems = list(targets)
        rounds = []
        for round_number in range(args.pairs + 1):
            print("warm-up round" if round_number == 0 else f"pair {round_number}", flush=True)
            results = measure_round(targets, work, args, round_number)
            if round_number > 0:
                rounds.append(results)
        report: dict[str, Any] = {
            "machine": harness.machine(),
            "settings": {k: v for k, v in vars(args).items()},
            "load": "wrk -t1, pre-signed raw HTTP/1.1 requests, 5 KB messages",
        }
        if len(systems) == 2:
            report["summary"] = summarize(rounds, systems)
            print_summary(report["summary"], systems)
        report["runs"] = [
            {"operation": k[0], "concurrency": k[1], "system": k[2], "pair": i + 1, **v}
            for i, results in enumerate(rounds)
            for k, v in results.items()
        ]
        if args.profile_seconds > 0:
            report["profile"] = profile_ours(*targets["openses"], work, args)
        harness.write_results("api_accept", report)


if __name__ == "__main__":
    main()
