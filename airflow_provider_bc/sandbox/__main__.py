"""Run the sandbox store from the shell.

    BC_SANDBOX_TOKEN=... python -m airflow_provider_bc.sandbox --certs-dir /tmp/bc-sandbox

The legacy account's token comes from the environment, never from the command line (where
``ps`` would show it), and so does the OAuth account's access token, ``BC_SANDBOX_OAUTH_TOKEN``
(optional: without it the OAuth paths refuse every request). Once the server listens, one
JSON line with ``api_path``, ``oauth_api_path``, ``ca_bundle`` and ``username`` is printed (and
written to ``--info-file``); the process serves until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import json
import os
import signal
import sys
import threading
from pathlib import Path

from airflow_provider_bc.sandbox.server import FAULT_KINDS, Faults, SandboxServer
from airflow_provider_bc.sandbox.store import Store

TOKEN_VARIABLE = "BC_SANDBOX_TOKEN"
OAUTH_TOKEN_VARIABLE = "BC_SANDBOX_OAUTH_TOKEN"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m airflow_provider_bc.sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--certs-dir", required=True, type=Path, help="where the CA bundle and server certificate are written")
    parser.add_argument("--info-file", type=Path, help="also write the start-up JSON line here (atomically)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--username", default="sandbox")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--orders", type=int, default=1_000)
    parser.add_argument("--customers", type=int, default=None, help="default: a quarter of the orders, at least 50")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--start", default="2026-01-01", help="date (UTC) of the first order")
    parser.add_argument("--span-days", type=int, default=30, help="days over which the orders are spread")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="time each request takes")
    parser.add_argument("--quota", type=int, default=None, help="requests per window, shared by all clients")
    parser.add_argument("--window-ms", type=int, default=30_000, help="the quota's window")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (0 to 1)")
    parser.add_argument("--fault-kinds", default=",".join(FAULT_KINDS), help="comma-separated: " + ", ".join(FAULT_KINDS))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        print(f"Set {TOKEN_VARIABLE} to the API token the sandbox should accept.", file=sys.stderr)
        return 2
    start = datetime.date.fromisoformat(args.start)
    store = Store(
        seed=args.seed,
        orders=args.orders,
        customers=args.customers,
        products=args.products,
        start=calendar.timegm(start.timetuple()),
        span_days=args.span_days,
    )
    server = SandboxServer(
        store,
        certs_dir=args.certs_dir,
        username=args.username,
        token=token,
        oauth_token=os.environ.get(OAUTH_TOKEN_VARIABLE) or None,
        host=args.host,
        port=args.port,
        latency=args.latency_ms / 1000.0,
        quota=args.quota,
        window=args.window_ms / 1000.0,
        faults=Faults(rate=args.fault_rate, kinds=tuple(k for k in args.fault_kinds.split(",") if k), seed=args.seed),
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    info = json.dumps({"api_path": server.api_path, "oauth_api_path": server.oauth_api_path, "ca_bundle": server.ca_bundle,
                       "username": args.username, "pid": os.getpid()})
    if args.info_file:
        partial = args.info_file.with_name(args.info_file.name + ".partial")
        partial.write_text(info + "\n")
        partial.replace(args.info_file)
    print(info, flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
