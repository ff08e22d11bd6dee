"""The sandbox keeps the v2 API's semantics, which every other test relies on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from airflow_provider_bc.client import BigCommerceClient, ClientConfig
from airflow_provider_bc.sandbox.server import SandboxServer
from airflow_provider_bc.sandbox.store import Store, parse_date, rfc2822
from tests.helpers import USERNAME

MakeSandbox = Callable[..., SandboxServer]


@pytest.fixture
def session(sandbox: SandboxServer, make_client: Callable[..., BigCommerceClient]) -> requests.Session:
    return make_client(sandbox).session


def test_dates_are_rfc2822_in_utc_and_both_input_forms_parse() -> None:
    assert rfc2822(1_767_225_600) == "Thu, 01 Jan 2026 00:00:00 +0000"
    assert parse_date("d", "Thu, 01 Jan 2026 00:00:00 +0000") == 1_767_225_600
    assert parse_date("d", "Wed, 31 Dec 2025 19:00:00 -0500") == 1_767_225_600
    assert parse_date("d", "2026-01-01T00:00:00Z") == 1_767_225_600
    assert parse_date("d", "2026-01-01T01:00:00.900+01:00") == 1_767_225_600


def test_date_bounds_are_inclusive(sandbox: SandboxServer, session: requests.Session) -> None:
    store = sandbox.store
    store.modify("orders", 150, at=store.start + 86_400)
    store.modify("orders", 151, at=store.start + 2 * 86_400 - 1)
    params = {"min_date_modified": rfc2822(store.start + 86_400), "max_date_modified": rfc2822(store.start + 2 * 86_400 - 1), "limit": 250}
    ids = [o["id"] for o in session.get(sandbox.api_path + "orders", params=params).json()]
    assert 150 in ids and 151 in ids
    order = session.get(sandbox.api_path + "orders/150").json()
    assert order["date_modified"] == rfc2822(store.start + 86_400)
    assert order["staff_notes"] == "revision 1"


def test_limit_page_sort_204_and_413(sandbox: SandboxServer, session: requests.Session) -> None:
    api = sandbox.api_path
    assert len(session.get(api + "orders").json()) == 50  # the default limit
    page2 = session.get(api + "orders", params={"limit": 250, "page": 2}).json()
    assert [o["id"] for o in page2] == list(range(350, 600))
    assert session.get(api + "orders", params={"page": 99}).status_code == 204
    too_big = session.get(api + "orders", params={"limit": 251})
    assert too_big.status_code == 413
    assert too_big.json() == [{"status": 413, "message": "The limit of 251 exceeds the maximum of 250.", "details": {"max_limit": 250}}]
    newest = session.get(api + "orders", params={"sort": "id:desc", "limit": 1}).json()
    assert newest[0]["id"] == 1_299
    by_modified = session.get(api + "orders", params={"sort": "date_modified:asc", "limit": 250}).json()
    stamps = [parse_date("d", o["date_modified"]) for o in by_modified]
    assert stamps == sorted(stamps)


def test_count_takes_the_same_filters_and_orders_add_statuses(sandbox: SandboxServer, session: requests.Session) -> None:
    api = sandbox.api_path
    counted = session.get(api + "orders/count", params={"min_id": 200, "max_id": 299}).json()
    assert counted["count"] == 100
    assert sum(s["count"] for s in counted["statuses"]) == 100
    assert session.get(api + "customers/count").json() == {"count": 300}


def test_sub_resources_and_links(sandbox: SandboxServer, session: requests.Session) -> None:
    order = session.get(sandbox.api_path + "orders/100").json()
    assert order["products"] == {"url": sandbox.api_path + "orders/100/products", "resource": "/orders/100/products"}
    items = session.get(order["products"]["url"]).json()
    assert sum(i["quantity"] for i in items) == order["items_total"]
    assert session.get(sandbox.api_path + "orders/100/shipping_addresses").json()[0]["order_id"] == 100
    assert session.get(sandbox.api_path + "orders/99999/products").status_code == 404


def test_unknown_filters_and_bad_values_are_400(sandbox: SandboxServer, session: requests.Session) -> None:
    bad = session.get(sandbox.api_path + "brands", params={"min_date_modified": "2026-01-01"})
    assert bad.status_code == 400 and "not supported for brands" in bad.json()[0]["message"]
    assert session.get(sandbox.api_path + "orders", params={"min_id": "one"}).status_code == 400


def test_basic_auth_is_required(sandbox: SandboxServer) -> None:
    answer = requests.get(sandbox.api_path + "time", verify=sandbox.ca_bundle, timeout=10)
    assert answer.status_code == 401
    assert answer.json()[0]["status"] == 401


def test_quota_headers_and_429(make_sandbox: MakeSandbox, make_client: Callable[..., BigCommerceClient]) -> None:
    server = make_sandbox(Store(orders=10), quota=2, window=30.0)
    session = make_client(server).session
    first = session.get(server.api_path + "time")
    assert first.headers["X-Rate-Limit-Requests-Quota"] == "2"
    assert first.headers["X-Rate-Limit-Requests-Left"] == "1"
    assert first.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert 0 < int(first.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 30_000
    session.get(server.api_path + "time")
    third = session.get(server.api_path + "time")
    assert third.status_code == 429
    assert 1 <= int(third.headers["X-Retry-After"]) <= 30


def test_a_large_store_answers_deep_pages_quickly(make_sandbox: MakeSandbox, make_client: Callable[..., BigCommerceClient]) -> None:
    started = time.monotonic()
    server = make_sandbox(Store(orders=200_000))
    session = make_client(server).session
    page = session.get(server.api_path + "orders", params={"min_id": 199_900, "limit": 250}).json()
    assert [o["id"] for o in page] == list(range(199_900, 200_100))
    assert session.get(server.api_path + "orders/count").json()["count"] == 200_000
    assert time.monotonic() - started < 30  # generous: a correctness check, the figures are in benchmarks/


def test_the_command_line_sandbox(tmp_path: Path, token: str) -> None:
    info_file = tmp_path / "sandbox.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_bc.sandbox", "--certs-dir", str(tmp_path / "certs"),
         "--info-file", str(info_file), "--orders", "300", "--quota", "100", "--window-ms", "1000"],
        env=os.environ | {"BC_SANDBOX_TOKEN": token},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert json.loads(info_file.read_text()) == info
        assert token not in info_file.read_text()
        client = BigCommerceClient(ClientConfig(api_path=info["api_path"], username=USERNAME, token=token, verify=info["ca_bundle"]))
        assert len(list(client.paginate("orders"))) == 300
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_the_command_line_sandbox_wants_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BC_SANDBOX_TOKEN"}
    out = subprocess.run([sys.executable, "-m", "airflow_provider_bc.sandbox", "--certs-dir", str(tmp_path)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "Set BC_SANDBOX_TOKEN" in out.stderr
