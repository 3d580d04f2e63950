"""CPU per request in-process: each endpoint straight through the WSGI app, against GET /healthz in the same run.

Flask's test client: no sockets, no gunicorn, no load generator: this isolates what our code costs per request, which the HTTP
benchmark mixes with the server's and the kernel's. Also times the moderation pipeline alone (normalise,
rules, heads, explanations, policy). Runs on a throwaway SQLite file with the shipped models; rate limiting
is off, as in the HTTP benchmark. Prints the best of several rounds (CPU time, so other load matters less).

    python -m bench.request_cost                # 2000 requests per endpoint, best of 5 rounds
    python -m bench.request_cost --requests 500 --rounds 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.http_benchmark import TEXTS
from service.app import create_app
from service.moderation.pipeline import moderate
from service.moderation.types import Comment
from service.store.db import upgrade


def best_ms(work: Callable[[int], None], requests: int, rounds: int) -> float:
    """Smallest CPU milliseconds per call over `rounds` rounds of `requests // rounds` calls (after a warm-up)."""
    work(min(200, requests))
    per_round = max(1, requests // rounds)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        work(per_round)
        best = min(best, (time.process_time() - started) / per_round * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='request-cost-')) / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "LOG_JSON": False, "RATELIMIT_ENABLED": False})
    service = app.extensions["moderation"]
    service.accounts.create_site("bench")
    key = service.accounts.create_key("bench", "admin")
    counter = 0

    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}

    def requests_to(method: str, path: str) -> Callable[[int], None]:
        def work(count: int) -> None:
            nonlocal counter
            for _ in range(count):
                counter += 1
                text = f"{TEXTS[counter % len(TEXTS)]} #{counter}"  # unique, as the HTTP benchmark's
                body = {"id": f"c-{counter}", "text": text} if path == "/v1/comments" else {"text": text}
                response = client.open(
                    path, method=method, headers=headers, json=None if method == "GET" else body
                )
                if response.status_code >= 300:
                    raise RuntimeError(
                        f"{method} {path}: {response.status_code} {response.get_data(as_text=True)}"
                    )

        return work

    def pipeline(count: int) -> None:
        nonlocal counter
        policy = service.policy_for("bench")
        for _ in range(count):
            counter += 1
            moderate(Comment(id="", text=f"{TEXTS[counter % len(TEXTS)]} #{counter}"), policy, service.scorer)

    healthz = best_ms(requests_to("GET", "/healthz"), args.requests, args.rounds)
    print(f"CPU ms per request, in-process, best of {args.rounds} rounds of {args.requests // args.rounds}")
    print(f"{'what':28s} {'ms':>7s} {'minus healthz':>14s}")
    print(f"{'GET /healthz':28s} {healthz:7.3f} {0:14.3f}")
    for method, path in (("POST", "/v1/score"), ("POST", "/v1/comments")):
        cost = best_ms(requests_to(method, path), args.requests, args.rounds)
        print(f"{method + ' ' + path:28s} {cost:7.3f} {cost - healthz:14.3f}")
    print(f"{'pipeline alone':28s} {best_ms(pipeline, args.requests, args.rounds):7.3f}")


if __name__ == "__main__":
    main()
