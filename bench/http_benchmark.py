"""HTTP throughput and latency of POST /v1/score and POST /v1/comments as ratios of GET /healthz on the same server.

Starts `moderation serve` (gunicorn, the production settings) as a subprocess on a free loopback port, once per
database backend, and drives it with `wrk` when it is installed (`apt-get install wrk`), else with a bounded
Python load generator (threads + requests.Session). Prints requests per second, p50/p99 latency, errors, and each
endpoint's throughput as a ratio of the bare /healthz endpoint measured in the same run. Never asserts.

    python -m bench.http_benchmark                    # both backends, wrk if present, 16 connections, 3 x 5 s
    python -m bench.http_benchmark --backend sqlite --duration 5 --tool python
    python -m bench.http_benchmark --backend sqlite --without-models   # diagnostic: what the heads cost
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.databases import PG_ADMIN_URL, database, postgres_available

REPO_ROOT = Path(__file__).resolve().parents[1]
# The goals of issue 6, reported beside the measurements (never enforced here).
GOALS = {"score_ratio": 0.5, "comments_ratio": 0.35, "comments_p99_ms": 100.0, "worker_mb": 400.0}

TEXTS = [
    "I think the council is wrong about the bus lanes, and the survey data says so.",
    "Great article, thanks for writing it up so clearly!",
    "This is the dumbest thing I have read all week, are you even trying?",
    "Buy cheap watches now at http://bit.ly/xyz best prices!!!",
    "Could you share the source for the figures in the third paragraph? I could not find them.",
    "You people are idiots and should be ashamed of yourselves.",
    "Meh. Seen better. The second half drags but the ending is fine I suppose.",
    "My grandmother lived on that street for forty years; it has changed so much since the mill closed.",
]


@dataclass
class Result:
    """One endpoint's measurement."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    """Run `python -m service.cli ARGS`; return its last output line."""
    out = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1].strip()


@contextmanager
def server(env: dict[str, str], workers: int, log_path: Path) -> Iterator[tuple[str, int]]:
    """`moderation serve` on a free port; yields its base URL and process id, and stops it afterwards."""
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {log_path}")
                try:
                    if requests.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            time.sleep(0.5)
            if process.poll() is not None:  # the answer came from someone else on a port taken meanwhile
                raise RuntimeError(f"server exited ({process.returncode}); see {log_path}")
            yield base, process.pid
            if process.poll() is not None:
                raise RuntimeError(f"server died during the run ({process.returncode}); see {log_path}")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


WRK_SCRIPT = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  counter = 0
  method = args[1]
  path = args[2]
  run = args[3]
  wrk.headers["Authorization"] = "Bearer " .. args[4]
  wrk.headers["Content-Type"] = "application/json"
  texts = {TEXTS}
end
function request()
  counter = counter + 1
  if method == "GET" then
    return wrk.format("GET", path)
  end
  local text = texts[(counter % #texts) + 1] .. " #" .. counter
  local body
  if path == "/v1/comments" then
    body = '{"id":"' .. run .. "-" .. tid .. "-" .. counter .. '","text":"' .. text .. '"}'
  else
    body = '{"text":"' .. text .. '"}'
  end
  return wrk.format("POST", path, nil, body)
end
function response(status, headers, body)
  if status >= 400 then
    bad = (bad or "") .. status .. " "
  end
end
function done(summary, latency, requests)
  local statuses = ""
  for _, thread in ipairs(threads) do
    statuses = statuses .. (thread:get("bad") or "")
  end
  io.write("STATUSES " .. statuses .. "\\n")
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "us": %d, "p50": %d, "p99": %d, "errors": %d, ' ..
    '"kinds": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(
    base: str, method: str, path: str, key: str, connections: int, duration: float, workdir: Path
) -> Result:
    """Drive one endpoint with wrk (2 threads) and read the numbers its done() hook prints."""
    script = workdir / "bench.lua"
    texts = "{" + ", ".join(json.dumps(t) for t in TEXTS) + "}"
    script.write_text(WRK_SCRIPT.replace("{TEXTS}", texts))
    run_id = uuid.uuid4().hex[:8]
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", str(script),
         base, "--", method, path, run_id, key],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    data = json.loads(line[len("RESULT ") :])
    if data["errors"]:
        kinds = ", ".join(f"{kind} {count}" for kind, count in data["kinds"].items() if count)
        statuses = next(
            (line.split()[1:] for line in out.stdout.splitlines() if line.startswith("STATUSES")), []
        )
        codes = ", ".join(f"{code}: {statuses.count(code)}" for code in sorted(set(statuses)))
        print(
            f"  {method} {path}: {data['errors']} errors ({kinds}; statuses {codes or 'none'})",
            file=sys.stderr,
        )
    return Result(
        path, data["requests"], data["us"] / 1e6, data["p50"] / 1000, data["p99"] / 1000, data["errors"]
    )


def run_python(base: str, method: str, path: str, key: str, connections: int, duration: float) -> Result:
    """Drive one endpoint with `connections` threads, each a requests.Session, for `duration` seconds."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + duration
    run_id = uuid.uuid4().hex[:8]

    def worker(tid: int) -> None:
        nonlocal errors
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        mine: list[float] = []
        failed = 0
        counter = 0
        while time.monotonic() < stop:
            counter += 1
            text = f"{TEXTS[counter % len(TEXTS)]} #{counter}"
            started = time.perf_counter()
            try:
                if method == "GET":
                    response = session.get(base + path, timeout=10)
                elif path == "/v1/comments":
                    response = session.post(
                        base + path, json={"id": f"{run_id}-{tid}-{counter}", "text": text}, timeout=10
                    )
                else:
                    response = session.post(base + path, json={"text": text}, timeout=10)
                ok = response.status_code < 400  # as wrk counts them
            except requests.RequestException:
                ok = False
            mine.append(time.perf_counter() - started)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return Result(path, len(latencies), elapsed, pct(0.50), pct(0.99), errors)


def measure_backend(backend: str, args: argparse.Namespace, tool: str) -> tuple[dict[str, Result], float]:
    """Start a server on `backend`, measure the three endpoints (each after a short warm-up) and the
    largest worker's resident memory seen after each run."""
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        workdir = Path(tmp)
        with database(backend, workdir) as url:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
            env.update(
                MODERATION_DATABASE_URL=url,
                # The benchmark measures the service, not the per-key rate limit it would otherwise hit.
                MODERATION_RATELIMIT_ENABLED="false",
                MODERATION_DELIVER_IN_PROCESS="false",
            )
            if args.without_models:
                env["MODERATION_LOAD_MODELS"] = "false"
            cli(env, "db", "upgrade")
            cli(env, "sites", "create", "bench")
            key = cli(env, "keys", "create", "--site", "bench", "--role", "ingest")
            endpoints = (
                ("healthz", "GET", "/healthz"),
                ("score", "POST", "/v1/score"),
                ("comments", "POST", "/v1/comments"),
            )
            rounds: dict[str, list[Result]] = {name: [] for name, _, _ in endpoints}
            with server(env, args.workers, workdir / "server.log") as (base, server_pid):

                def drive(method: str, path: str, seconds: float) -> Result:
                    if tool == "wrk":
                        return run_wrk(base, method, path, key, args.connections, seconds, workdir)
                    return run_python(base, method, path, key, args.connections, seconds)

                for _, method, path in endpoints:
                    drive(method, path, args.warmup)
                # The endpoints take turns, round after round, so load that comes and goes on the machine
                # falls on all of them; each endpoint's median round is reported.
                largest = 0.0
                for _ in range(args.rounds):
                    for name, method, path in endpoints:
                        rounds[name].append(drive(method, path, args.duration))
                        largest = max([largest, *worker_rss_mb(server_pid)])
            medians = {
                name: sorted(runs, key=lambda r: r.rps)[len(runs) // 2] for name, runs in rounds.items()
            }
            return medians, largest


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), from /proc; empty elsewhere."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return []
    sizes = []
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:  # a worker recycled in between
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _load_note() -> str:
    """A warning when more work wanted the CPUs than the busy workers plus wrk account for."""
    expected = (os.cpu_count() or 1) + 1
    return f" (above {expected}: other work shared the machine)" if os.getloadavg()[0] > expected else ""


def report(
    backend: str, results: dict[str, Result], worker_mb: float, tool: str, args: argparse.Namespace
) -> list[str]:
    """The table for one backend, ratios against /healthz, and the goals."""
    base = results["healthz"].rps
    lines = [
        f"\n## {backend}: {tool}, {args.connections} connections, median of {args.rounds} rounds of "
        f"{args.duration:g} s per endpoint, "
        f"{args.workers} gunicorn workers, {os.cpu_count()} CPUs, load average after the run "
        f"{os.getloadavg()[0]:.1f}{_load_note()}"
        + (
            ", WITHOUT MODELS (diagnostic: rules and policy only, every comment held)"
            if args.without_models
            else ""
        ),
        f"{'endpoint':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs healthz':>12}",
    ]
    labels = {"healthz": "GET /healthz", "score": "POST /v1/score", "comments": "POST /v1/comments"}
    for name, result in results.items():
        ratio = result.rps / base if base else 0.0
        lines.append(
            f"{labels[name]:<22}{result.rps:>9.1f}{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}{result.errors:>8}{ratio:>11.2f}x"
        )
    score_ratio = results["score"].rps / base if base else 0.0
    comments_ratio = results["comments"].rps / base if base else 0.0
    p99 = results["comments"].p99_ms
    errors = sum(r.errors for r in results.values())

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines += [
        f"goal score >= {GOALS['score_ratio']}x healthz: {score_ratio:.2f}x {mark(score_ratio >= GOALS['score_ratio'])}",
        f"goal comments >= {GOALS['comments_ratio']}x healthz: {comments_ratio:.2f}x "
        f"{mark(comments_ratio >= GOALS['comments_ratio'])}",
        f"goal comments p99 <= {GOALS['comments_p99_ms']:g} ms: {p99:.1f} ms {mark(p99 <= GOALS['comments_p99_ms'])}",
        f"goal zero errors: {errors} {mark(errors == 0)}",
    ]
    if worker_mb:  # issue 3: a worker's memory stays under 400 MB (resident, shared pages included)
        lines.append(
            f"goal worker memory < {GOALS['worker_mb']:g} MB: largest seen {worker_mb:.0f} MB "
            f"{mark(worker_mb < GOALS['worker_mb'])}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print; returns 0 whatever the numbers are (goals are reported, not enforced)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per endpoint and round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of all endpoints; the median is reported"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: one per core)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    parser.add_argument(
        "--without-models",
        action="store_true",
        help="diagnostic: serve without the classifiers (every comment held), to show what the model heads "
        "cost over HTTP; the goals are about the real service, not this",
    )
    args = parser.parse_args(argv)

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    elif tool == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), use --tool python")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    everything: dict[str, Any] = {}
    for backend in backends:
        if backend == "postgres" and not postgres_available():
            print(
                f"\n## postgres: skipped, {PG_ADMIN_URL} is unreachable (set MODERATION_BENCH_POSTGRES_URL)"
            )
            continue
        results, worker_mb = measure_backend(backend, args, tool)
        print("\n".join(report(backend, results, worker_mb, tool, args)), flush=True)
        everything[backend] = {name: {**vars(r), "rps": r.rps} for name, r in results.items()}
        everything[backend]["largest_worker_rss_mb"] = worker_mb
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
