"""Helpers that run the real `moderation` command: the CLI, and `moderation serve` as a subprocess on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moderation_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for the `moderation` command against one database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env.update({"MODERATION_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **extra})
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 60) -> str:
    """Run `python -m service.cli ARGS` and return its last output line (the raw key or secret)."""
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"moderation {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    lines = result.stdout.strip().splitlines()
    return lines[-1].strip() if lines else ""


class ServerProcess:
    """`moderation serve` in a subprocess: start it, wait until it answers, find its workers, stop it."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        """Start the server and wait until /healthz answers 200."""
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        """What the server printed so far (the tail)."""
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def worker_pids(self) -> list[int]:
        """Process ids of the gunicorn workers: the children of the arbiter."""
        assert self.process is not None
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may contain spaces and parentheses; fields after the last ')' are fixed.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid:
                children.append(int(entry.name))
        return sorted(children)

    def wait_for_workers(self, count: int, exclude: set[int] | None = None, timeout: float = 30) -> list[int]:
        """Wait until `count` workers run, none of them in `exclude`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [pid for pid in self.worker_pids() if pid not in (exclude or set())]
            if len(pids) >= count:
                return pids
            time.sleep(0.1)
        raise RuntimeError(f"expected {count} workers, have {self.worker_pids()}:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def create_site_and_keys(env: dict[str, str], site: str = "demo") -> dict[str, str]:
    """Create the schema, a site and one key per role with the real CLI."""
    run_cli(env, "db", "upgrade")
    secret = run_cli(env, "sites", "create", site)
    keys = {
        role: run_cli(env, "keys", "create", "--site", site, "--role", role)
        for role in ("ingest", "moderator", "admin")
    }
    return {"name": site, "secret": secret, **keys}
