"""`make bench`: figures for the provider's pulls against the sandbox store, and against peers.

Every pull runs in a child process of its own (so its peak RSS is its own) against a sandbox
running in another process (so the store's work is not charged to the client), on loopback.
Each pull writes JSON Lines, as the operator does. The table is printed and written to
``benchmarks/results.json``; these are figures, not pass/fail checks.

Scenarios (see the README's "Performance"):
- latency: 25,000 orders (100 pages of 250), 50 ms per request, no quota: this provider at
  concurrency 8 and 16, the official ``bigcommerce`` client (``Orders.iterall()``), and a plain
  sequential ``requests`` loop over pages;
- include: 1,000 orders with their line items (one more request per order);
- quota: 60 requests per 3 s window shared with nobody: the request rate reached, and 429s;
- memory: peak RSS of a pull of 10,000 and of 200,000 orders;
- cpu: parsing and writing only (no network), against ``json.loads`` + ``json.dumps``.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
LATENCY = 0.05
PAGE = 250


# -- the pulls, each run in a child process ------------------------------------------------------

def pull_ours(info: dict[str, Any], token: str, out: str, concurrency: int, include: list[str] | None, limit: int) -> dict[str, Any]:
    from airflow_provider_bc.client import BigCommerceClient, ClientConfig
    from airflow_provider_bc.storage import get_hook_lineage_collector, target_path, write_jsonl

    get_hook_lineage_collector()  # loads the plugins, as a worker has done before any task runs
    client = BigCommerceClient(ClientConfig(api_path=info["api_path"], username=info["username"], token=token,
                                            verify=info["ca_bundle"], concurrency=concurrency, max_retries=8, retry_backoff=0.5))
    started = time.perf_counter()
    # As the operator pulls: records kept as the API's bytes, unless sub-resources go into them.
    records: Any = client.paginate("orders", {"limit": limit}, raw=not include)
    if include:
        records = client.embed(records, include)
    result = write_jsonl(records, target_path(out))
    wall = time.perf_counter() - started
    return {"seconds": wall, "records": result.records, "requests": client.stats.requests, "throttled": client.stats.throttled}


def pull_official(info: dict[str, Any], token: str, out: str, **_: Any) -> dict[str, Any]:
    """The official client as its README shows it: ``BigcommerceApi(...).Orders.iterall()``."""
    import bigcommerce

    os.environ["REQUESTS_CA_BUNDLE"] = info["ca_bundle"]  # its session has no other way to trust the sandbox
    host = info["api_path"].split("://", 1)[1].split("/", 1)[0]
    api = bigcommerce.api.BigcommerceApi(host=host, basic_auth=(info["username"], token))
    started = time.perf_counter()
    count = 0
    with open(out, "w", encoding="utf-8") as file:
        for order in api.Orders.iterall():
            record = {k: v for k, v in order.items() if not k.startswith("_")}  # it adds its _connection
            file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    wall = time.perf_counter() - started
    return {"seconds": wall, "records": count, "requests": count // PAGE + 1, "throttled": 0}


def pull_plain(info: dict[str, Any], token: str, out: str, **_: Any) -> dict[str, Any]:
    """What a user would write by hand: one page after the other, until the 204."""
    import requests

    session = requests.Session()
    session.auth = (info["username"], token)
    session.headers["Accept"] = "application/json"
    started = time.perf_counter()
    count = requests_sent = 0
    with open(out, "w", encoding="utf-8") as file:
        page = 1
        while True:
            response = session.get(info["api_path"] + "orders", params={"page": page, "limit": PAGE}, timeout=60, verify=info["ca_bundle"])
            requests_sent += 1
            if response.status_code == 204:
                break
            response.raise_for_status()
            for order in response.json():
                file.write(json.dumps(order, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
            page += 1
    wall = time.perf_counter() - started
    return {"seconds": wall, "records": count, "requests": requests_sent, "throttled": 0}


PULLS = {"ours": pull_ours, "official": pull_official, "plain": pull_plain}


def child(args: argparse.Namespace) -> None:
    info = json.loads(args.info)
    token = os.environ["BC_BENCH_TOKEN"]
    with tempfile.TemporaryDirectory() as folder:
        result = PULLS[args.child](info, token, os.path.join(folder, "out.jsonl"), concurrency=args.concurrency,
                                   include=args.include.split(",") if args.include else None, limit=args.limit)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(kind: str, info: dict[str, Any], token: str, concurrency: int = 8, include: str = "", limit: int = PAGE) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--info", json.dumps(info), "--concurrency", str(concurrency), "--limit", str(limit)]
    if include:
        command += ["--include", include]
    out = subprocess.run(command, env=os.environ | {"BC_BENCH_TOKEN": token}, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the sandbox, in a process of its own --------------------------------------------------------

@contextlib.contextmanager
def sandbox(token: str, *options: str) -> Iterator[dict[str, Any]]:
    folder = tempfile.mkdtemp(prefix="bc-bench-")
    info_file = Path(folder) / "info.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_bc.sandbox", "--certs-dir", folder, "--info-file", str(info_file), *options],
        env=os.environ | {"BC_SANDBOX_TOKEN": token}, stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not info_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.05)
        yield json.loads(info_file.read_text())
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- scenarios -------------------------------------------------------------------------------------

def median_of(runs: int, kind: str, info: dict[str, Any], token: str, **options: Any) -> dict[str, Any]:
    results = sorted((run_child(kind, info, token, **options) for _ in range(runs)), key=lambda r: r["seconds"])
    return results[len(results) // 2]


def latency_scenario(token: str, rows: list[dict[str, Any]]) -> None:
    orders = 25_000
    with sandbox(token, "--orders", str(orders), "--latency-ms", str(LATENCY * 1000)) as info:
        run_child("ours", info, token, concurrency=16)  # warm the sandbox's record cache
        pages = orders // PAGE
        peers = {"official": median_of(1, "official", info, token), "plain": median_of(1, "plain", info, token)}
        for concurrency in (8, 16):
            ours = median_of(3, "ours", info, token, concurrency=concurrency)
            bound = pages * LATENCY / concurrency
            rows.append(_row(f"latency 50 ms, {orders:,} orders, ours c={concurrency}", ours,
                             vs_official=peers["official"]["seconds"] / ours["seconds"],
                             vs_plain=peers["plain"]["seconds"] / ours["seconds"],
                             vs_bound=ours["seconds"] / bound))
        for name, result in peers.items():
            rows.append(_row(f"latency 50 ms, {orders:,} orders, {name}", result, vs_bound=result["seconds"] / (pages * LATENCY)))


def include_scenario(token: str, rows: list[dict[str, Any]]) -> None:
    orders = 1_000
    with sandbox(token, "--orders", str(orders), "--latency-ms", str(LATENCY * 1000)) as info:
        run_child("ours", info, token, include="products")  # warm
        ours = median_of(3, "ours", info, token, include="products", concurrency=8)
        bound = ours["requests"] * LATENCY / 8
        rows.append(_row(f"latency 50 ms, {orders:,} orders + line items, ours c=8", ours, vs_bound=ours["seconds"] / bound))


def quota_scenario(token: str, rows: list[dict[str, Any]]) -> None:
    quota, window = 60, 3.0
    with sandbox(token, "--orders", "12000", "--quota", str(quota), "--window-ms", str(int(window * 1000))) as info:
        result = run_child("ours", info, token, concurrency=8, limit=50)
        rate = result["requests"] / result["seconds"]
        windows = max(1.0, result["seconds"] / window)
        rows.append(_row(f"quota {quota}/{window:g} s, 12,000 orders by 50, ours c=8", result,
                         quota_use=rate / (quota / window), throttled_per_window=result["throttled"] / windows))


def memory_scenario(token: str, rows: list[dict[str, Any]]) -> None:
    for orders in (10_000, 200_000):
        with sandbox(token, "--orders", str(orders)) as info:
            result = run_child("ours", info, token, concurrency=8)
            rows.append(_row(f"memory, {orders:,} orders, ours c=8", result))


def cpu_scenario(rows: list[dict[str, Any]]) -> None:
    """Parsing and writing only: the provider's pager and writer over pages held in memory, as the operator pulls."""
    from airflow_provider_bc.client import codec
    from airflow_provider_bc.client.pager import KeysetPager
    from airflow_provider_bc.sandbox.store import Store
    from airflow_provider_bc.storage import get_hook_lineage_collector, target_path, write_jsonl

    get_hook_lineage_collector()  # loads the plugins, as a worker has done before any task runs
    store = Store(orders=25_000)
    collection = store.collections["orders"]
    encoded = [collection.record_json(store, pos) for pos in range(len(collection.ids))]
    ids = collection.ids
    bodies = [b"[" + b", ".join(encoded[i: i + PAGE]) + b"]" for i in range(0, len(encoded), PAGE)]
    with tempfile.TemporaryDirectory() as folder:
        started = time.process_time()
        with open(os.path.join(folder, "baseline.jsonl"), "w", encoding="utf-8") as file:
            for body in bodies:
                for record in json.loads(body):
                    file.write(json.dumps(record) + "\n")
        baseline = time.process_time() - started

        def fetch(params: dict[str, Any]) -> list[dict[str, Any]]:
            """The page the API would answer, from the same encoded records."""
            start = bisect.bisect_left(ids, params["min_id"])
            end = bisect.bisect_right(ids, params.get("max_id", ids[-1]))
            chosen = encoded[start: min(end, start + params["limit"])]
            return codec.raw_records(b"[" + b", ".join(chosen) + b"]") if chosen else []

        started = time.process_time()
        result = write_jsonl(KeysetPager(fetch, {"limit": PAGE}, concurrency=1), target_path(os.path.join(folder, "ours.jsonl")))
        ours = time.process_time() - started
    rows.append({"scenario": f"cpu, {result.records:,} records parsed and written", "seconds": round(ours, 3),
                 "records_per_s": round(result.records / ours), "vs_json_baseline": round(ours / baseline, 2),
                 "baseline_seconds": round(baseline, 3)})


def _row(name: str, result: dict[str, Any], **ratios: float) -> dict[str, Any]:
    row = {
        "scenario": name,
        "seconds": round(result["seconds"], 3),
        "records_per_s": round(result["records"] / result["seconds"]),
        "records": result["records"],
        "requests": result["requests"],
        "throttled": result["throttled"],
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
    }
    row.update({k: round(v, 2) for k, v in ratios.items()})
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["scenario", "seconds", "records_per_s", "requests", "throttled", "peak_rss_mb", "vs_official", "vs_plain",
               "vs_bound", "quota_use", "throttled_per_window", "vs_json_baseline"]
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-|-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=sorted(PULLS))
    parser.add_argument("--info")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--include", default="")
    parser.add_argument("--limit", type=int, default=PAGE)
    parser.add_argument("--only", help="comma-separated scenarios: latency, include, quota, memory, cpu")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    token = secrets.token_urlsafe(24)
    chosen = set(args.only.split(",")) if args.only else {"latency", "include", "quota", "memory", "cpu"}
    rows: list[dict[str, Any]] = []
    for name, scenario in (("latency", latency_scenario), ("include", include_scenario), ("quota", quota_scenario), ("memory", memory_scenario)):
        if name in chosen:
            scenario(token, rows)
    if "cpu" in chosen:
        cpu_scenario(rows)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    print(f"\nMachine: {machine}\n")
    print_table(rows)
    RESULTS.write_text(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d"), "rows": rows}, indent=2) + "\n")
    print(f"\nWritten to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
