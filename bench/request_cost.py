"""CPU per request in-process: each endpoint straight through the WSGI app, against GET /healthz in the same run.

No sockets, no gunicorn, no load generator: this isolates what our code costs per request, which the HTTP
benchmark mixes with the server's and the kernel's. Each request's WSGI environ is built before the clock
starts and the app is called directly (Flask's test client would add its own cost to every call).
Also times the moderation pipeline alone (normalise, rules, heads, explanations, policy). Runs on a
throwaway SQLite file with the shipped models; rate limiting is off, as in the HTTP benchmark. Prints the
best of several rounds (CPU time, so other load matters less).

    python -m bench.request_cost                # 2000 requests per endpoint, best of 5 rounds
    python -m bench.request_cost --requests 500 --rounds 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from werkzeug.test import EnvironBuilder

from bench.http_benchmark import TEXTS
from service.app import create_app
from service.moderation.pipeline import moderate
from service.moderation.types import Comment
from service.store.db import upgrade

Environ = dict[str, Any]
T = TypeVar("T")


def best_ms(
    prepare: Callable[[int], list[T]], work: Callable[[list[T]], None], requests: int, rounds: int
) -> float:
    """Smallest CPU milliseconds per call over `rounds` rounds of `requests // rounds` calls (after a warm-up).

    `prepare(n)` builds a round's inputs outside the timed region; `work` runs them.
    """
    work(prepare(min(200, requests)))
    per_round = max(1, requests // rounds)
    best = float("inf")
    for _ in range(rounds):
        batch = prepare(per_round)
        started = time.process_time()
        work(batch)
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

    headers = {"Authorization": f"Bearer {key}"}

    def next_text() -> str:
        nonlocal counter
        counter += 1
        return f"{TEXTS[counter % len(TEXTS)]} #{counter}"  # unique, as the HTTP benchmark's

    def environs(method: str, path: str) -> Callable[[int], list[Environ]]:
        def prepare(count: int) -> list[Environ]:
            built = []
            for _ in range(count):
                text = next_text()
                body = {"id": f"c-{counter}", "text": text} if path == "/v1/comments" else {"text": text}
                builder = EnvironBuilder(
                    path=path,
                    method=method,
                    headers=list(headers.items()),
                    json=None if method == "GET" else body,
                )
                built.append(builder.get_environ())
            return built

        return prepare

    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda _data: None

    def serve(batch: list[Environ]) -> None:
        for environ in batch:
            b"".join(app.wsgi_app(environ, start_response))
            if int(statuses[-1].split()[0]) >= 300:
                raise RuntimeError(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}: {statuses[-1]}")
        statuses.clear()

    def comments(count: int) -> list[Comment]:
        return [Comment(id="", text=next_text()) for _ in range(count)]

    def pipeline(batch: list[Comment]) -> None:
        policy = service.policy_for("bench")
        for comment in batch:
            moderate(comment, policy, service.scorer)

    healthz = best_ms(environs("GET", "/healthz"), serve, args.requests, args.rounds)
    print(f"CPU ms per request, in-process, best of {args.rounds} rounds of {args.requests // args.rounds}")
    print(f"{'what':28s} {'ms':>7s} {'minus healthz':>14s}")
    print(f"{'GET /healthz':28s} {healthz:7.3f} {0:14.3f}")
    for method, path in (("POST", "/v1/score"), ("POST", "/v1/comments")):
        cost = best_ms(environs(method, path), serve, args.requests, args.rounds)
        print(f"{method + ' ' + path:28s} {cost:7.3f} {cost - healthz:14.3f}")
    print(f"{'pipeline alone':28s} {best_ms(comments, pipeline, args.requests, args.rounds):7.3f}")


if __name__ == "__main__":
    main()
