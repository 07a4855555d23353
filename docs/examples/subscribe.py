"""Watch one customer's new interactions over a GraphQL subscription, optionally posting an event first.

    python docs/examples/subscribe.py sydney --url http://127.0.0.1:8000 \
        --post '{"customer_id": "sydney", "channel": "web", "touchpoint": "product_page", "type": "view"}'

It subscribes to `interactionRecorded(customerId:)` over graphql-transport-ws (the protocol any GraphQL client
library speaks), then POSTs the event to /events (an event without `event_id` or `ts` gets a fresh id and the current
time), and prints each interaction as the subscription delivers it, with the seconds since the POST. A worker must
be running: `make run` (dtc demo) runs one; beside `dtc serve`, start `dtc worker`. With API keys, pass --key.
Exits 0 after --count messages, 1 when none came within --timeout seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime

from websockets.sync.client import connect


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("customer", help="the customer id to watch")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the twin's API (default %(default)s)")
    parser.add_argument("--post", help="an event (JSON) to POST to /events once subscribed")
    parser.add_argument("--key", help="an API key (when the server has DTC_API_KEYS)")
    parser.add_argument("--count", type=int, default=1, help="stop after this many messages (default 1)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each (default 10)")
    args = parser.parse_args()

    auth = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    socket_url = args.url.replace("http", "ws", 1).rstrip("/") + "/graphql"
    query = "subscription W($id: ID!) { interactionRecorded(customerId: $id) { id at type touchpoint { code } } }"
    before = _listening(args.url)
    with connect(socket_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": auth}))
        if json.loads(ws.recv(timeout=args.timeout))["type"] != "connection_ack":
            print("the server refused the connection (an API key needed? pass --key)", file=sys.stderr)
            return 1
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query,
                                                                        "variables": {"id": args.customer}}}))
        print(f"subscribed to {args.customer}'s interactions on {socket_url}", flush=True)
        _wait_until_listening(args.url, before, args.timeout)
        posted = time.monotonic()
        if args.post:
            event = {"event_id": f"example-{uuid.uuid4().hex[:12]}",
                     "ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **json.loads(args.post)}
            request = urllib.request.Request(args.url.rstrip("/") + "/events", data=json.dumps(event).encode(),
                                             method="POST", headers={"Content-Type": "application/json", **auth})
            with urllib.request.urlopen(request, timeout=args.timeout) as answer:
                print(f"posted event {event['event_id']}: {answer.status} {answer.read().decode()}", flush=True)
        for _ in range(args.count):
            try:
                message = json.loads(ws.recv(timeout=args.timeout))
            except TimeoutError:
                print(f"nothing arrived within {args.timeout:g} s: is a worker running (make run runs one; beside "
                      "dtc serve, start dtc worker)?", file=sys.stderr)
                return 1
            if message["type"] != "next":
                print(f"the subscription ended: {json.dumps(message)}", file=sys.stderr)
                return 1
            print(f"{time.monotonic() - posted:.2f} s after the POST: "
                  f"{json.dumps(message['payload']['data']['interactionRecorded'])}", flush=True)
    return 0


def _listening(url: str) -> int | None:
    """Subscriptions the twin is listening for now (its /metrics gauge), None when /metrics does not say."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/metrics", timeout=5) as answer:
            for line in answer.read().decode().splitlines():
                if line.startswith("dtc_subscriptions_active "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _wait_until_listening(url: str, before: int | None, timeout: float) -> None:
    """The subscribe message has no answer in the protocol: wait until the server counts one more subscription (an
    event applied before that would not be delivered)."""
    deadline = time.monotonic() + timeout
    while before is not None and time.monotonic() < deadline:
        now = _listening(url)
        if now is None or now > before:
            return
        time.sleep(0.05)
    if before is None:
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
