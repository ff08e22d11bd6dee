"""The client against the sandbox store over real TLS on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

import pytest
import requests

from airflow_provider_bc.client import (
    AuthenticationError,
    BadRequestError,
    BigCommerceClient,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TLSError,
    TransportError,
    UnexpectedResponseError,
)
from airflow_provider_bc.sandbox.certs import make_certificates
from airflow_provider_bc.sandbox.server import ODD_ANSWERS, Faults, SandboxServer
from airflow_provider_bc.sandbox.store import Store
from tests.helpers import secrets_in

MakeSandbox = Callable[..., SandboxServer]
MakeClient = Callable[..., BigCommerceClient]


@pytest.mark.parametrize(("limit", "concurrency"), [(250, 4), (50, 8), (7, 3), (250, 1)])
def test_paginate_yields_every_order_once_in_id_order(sandbox: SandboxServer, make_client: MakeClient, limit: int, concurrency: int) -> None:
    client = make_client(sandbox, concurrency=concurrency)
    expected = sandbox.store.records("orders")
    got = list(client.paginate("orders", {"limit": limit}))
    assert got == expected  # same records, same content, same order
    assert len(got) == 1_200
    assert sandbox.stats.max_in_flight <= concurrency


def test_paginate_with_a_date_window_matches_the_store(sandbox: SandboxServer, make_client: MakeClient) -> None:
    client = make_client(sandbox)
    low, high = sandbox.store.start + 5 * 86_400, sandbox.store.start + 9 * 86_400 - 1
    params = {
        "min_date_modified": "Tue, 06 Jan 2026 00:00:00 +0000",
        "max_date_modified": "2026-01-09T23:59:59+00:00",
    }
    got = [r["id"] for r in client.paginate("orders", params)]
    expected = [r["id"] for r in sandbox.store.records("orders", min_date_modified=low, max_date_modified=high)]
    assert got == expected
    assert 100 < len(expected) < 1_200
    assert client.count("orders", params) == len(expected)


def test_other_collections_page_by_id_or_by_page(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=400, customers=333, products=260))
    client = make_client(server)
    for name, size in [("customers", 333), ("products", 260), ("categories", 20), ("brands", 12), ("coupons", 15),
                       ("customer_groups", 3), ("order_statuses", 15), ("countries", 5), ("tax_classes", 3)]:
        got = list(client.paginate(name, {"limit": 100}))
        assert got == server.store.records(name), name
        assert len(got) == size
    assert client.count("customers") == 333


def test_get_and_sub_resources(sandbox: SandboxServer, make_client: MakeClient) -> None:
    client = make_client(sandbox)
    order = client.get("orders/150")
    assert order["id"] == 150 and order["products"]["resource"] == "/orders/150/products"
    assert isinstance(order["total_inc_tax"], str) and order["total_inc_tax"].count(".") == 1
    items = list(client.paginate(order["products"]["resource"]))
    assert items and all(item["order_id"] == 150 for item in items)
    assert client.get_list(order["products"]["url"]) == items  # the link's absolute URL works too
    assert isinstance(client.get("time")["time"], int)
    assert client.get("store")["name"] == "Sandbox Store"


def test_204_is_an_empty_page(sandbox: SandboxServer, make_client: MakeClient) -> None:
    client = make_client(sandbox)
    assert client.get("orders", {"min_id": 10**9}) is None
    assert client.get_list("orders", {"min_id": 10**9}) == []
    assert list(client.paginate("orders", {"min_id": 10**9})) == []


# -- errors: one class and one message per kind -----------------------------------------------------


def test_wrong_token_is_an_authentication_error_that_says_what_to_do(sandbox: SandboxServer, make_client: MakeClient, token: str) -> None:
    client = make_client(sandbox, token="wrong-" + token)
    with pytest.raises(AuthenticationError) as caught:
        client.get("time")
    message = str(caught.value)
    assert "401" in message
    assert "the token was rejected; it may have been regenerated or the legacy API account deleted: update connection 'test'" in message
    assert not secrets_in(message, token) and "wrong-" not in message
    assert sandbox.stats.requests == 1  # not retried


def test_forbidden_not_found_and_bad_request(sandbox: SandboxServer, make_client: MakeClient) -> None:
    client = make_client(sandbox)
    sandbox.forbidden.add("customers")
    with pytest.raises(PermissionDeniedError, match="403 .* may not read this resource"):
        client.get("customers")
    with pytest.raises(NotFoundError, match="404 .*no such resource"):
        client.get("orders/999999")
    with pytest.raises(NotFoundError):
        client.get("gift_wrapping_options")
    with pytest.raises(BadRequestError, match="refused .* with 400: The field 'min_date_modified' is invalid"):
        client.get("orders", {"min_date_modified": "yesterday"})
    with pytest.raises(BadRequestError, match=r"with 413: The limit of 300 exceeds the maximum of 250\. \(max_limit: 250\)"):
        client.get("orders", {"limit": 300})
    assert sandbox.stats.requests == 5  # none of these is retried


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("html", "answered an HTML page instead of JSON to GET "),
        ("object", "Expected a list of records from GET "),
        ("empty", "answered 200 with an empty body to GET "),
    ],
)
def test_odd_server_answers_are_explained(sandbox: SandboxServer, make_client: MakeClient, answer: str, message: str) -> None:
    sandbox.canned = ODD_ANSWERS[answer]
    with pytest.raises(UnexpectedResponseError) as caught:
        list(make_client(sandbox).paginate("orders"))
    assert message in str(caught.value)
    assert sandbox.stats.requests <= 2  # the count and the first page, neither retried


def test_html_names_the_api_path_to_check(sandbox: SandboxServer, make_client: MakeClient) -> None:
    sandbox.canned = ODD_ANSWERS["html"]
    with pytest.raises(UnexpectedResponseError, match="check that the API Path of connection 'test' is the store's API path"):
        make_client(sandbox).get("orders")


# -- retries ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "502", "503", "504", "reset", "truncate", "429", "429-bare"])
def test_each_transient_fault_is_retried_until_the_pull_is_complete(make_sandbox: MakeSandbox, make_client: MakeClient, kind: str) -> None:
    server = make_sandbox(Store(orders=600), faults=Faults(rate=0.4, kinds=(kind,), seed=7, retry_after=0))
    client = make_client(server, max_retries=10)
    got = list(client.paginate("orders", {"limit": 50}))
    assert got == server.store.records("orders")
    injected = server.stats.faults[kind]
    assert injected >= 3
    assert client.stats.retries == injected  # exactly one retry per failure, none wasted
    if kind.startswith("429"):
        assert client.stats.throttled == injected


def test_429_waits_as_long_as_the_store_asks(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=50), quota=3, window=1.0)
    client = make_client(server)
    started = time.monotonic()
    for _ in range(7):
        client.get("time")
    # 3 per window: the 7th request lands in the third window, at least two resets later.
    assert time.monotonic() - started >= 2.0
    assert server.stats.statuses[429] <= 1  # paced to the quota instead of running into it


def test_429_without_headers_still_backs_off(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=50), faults=Faults(rate=1.0, kinds=("429-bare",)))
    client = make_client(server, max_retries=3)
    with pytest.raises(RateLimitError) as caught:
        client.get("time")
    assert "failed on all 4 attempts (429 x4)" in str(caught.value)
    assert "lower extra 'concurrency' of connection 'test'" in str(caught.value)


def test_persistent_failure_names_the_status_and_the_attempts(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=50), faults=Faults(rate=1.0, kinds=("503",)))
    client = make_client(server, max_retries=2)
    with pytest.raises(ServerError) as caught:
        client.get("orders")
    assert "GET " + server.api_path + "orders failed on all 3 attempts (503 x3): the store is failing" in str(caught.value)
    assert server.stats.requests == 3


def test_dropped_connections_past_the_budget_are_a_transport_error(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(Store(orders=50), faults=Faults(rate=1.0, kinds=("reset",)))
    with pytest.raises(TransportError, match=r"failed on all 2 attempts \(connection reset x2\): check the network path"):
        make_client(server, max_retries=1).get("time")


def test_refused_connection_is_retried_then_reported(make_client: MakeClient, sandbox: SandboxServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    client = make_client(sandbox, api_path=f"https://127.0.0.1:{free_port}/api/v2/", max_retries=1)
    with pytest.raises(TransportError, match=r"failed on all 2 attempts \(connection refused x2\)"):
        client.get("time")


# -- TLS and credentials ------------------------------------------------------------------------------


class PlainListener:
    """A TCP port that records whether anybody connected (and what they sent)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(0.5)
            try:
                self.received += conn.recv(65536)
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def test_credentials_are_never_sent_over_plain_http(sandbox: SandboxServer, make_client: MakeClient, token: str) -> None:
    listener = PlainListener()
    try:
        with pytest.raises(ConfigurationError, match="uses http://"):
            make_client(sandbox, api_path=f"http://127.0.0.1:{listener.port}/api/v2/")
        # Even the raw session refuses an http:// URL handed to it directly.
        client = make_client(sandbox)
        with pytest.raises(ConfigurationError, match="Refused to send a BigCommerce request over http://"):
            client.session.get(f"http://127.0.0.1:{listener.port}/api/v2/time")
        with pytest.raises(ConfigurationError, match="Refused to send the credentials"):
            client.get(f"http://127.0.0.1:{listener.port}/api/v2/time")
        time.sleep(0.3)
    finally:
        listener.close()
    assert listener.connections == 0 and listener.received == b""


def test_a_redirect_is_reported_not_followed(make_sandbox: MakeSandbox, make_client: MakeClient, token: str) -> None:
    listener = PlainListener()
    try:
        target = f"http://127.0.0.1:{listener.port}/api/v2/time"
        server = make_sandbox(redirect_to=target)
        client = make_client(server)
        with pytest.raises(ConfigurationError) as caught:
            client.get("time")
        response = client.session.get(server.api_path + "time")  # the raw session does not follow either
        time.sleep(0.3)
    finally:
        listener.close()
    assert f"redirecting to {target!r}; the redirect was not followed" in str(caught.value)
    assert response.status_code == 301
    assert listener.connections == 0
    assert server.stats.requests == 2


def test_the_connections_ca_bundle_is_used_whatever_the_environment_says(
    sandbox: SandboxServer, make_client: MakeClient, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = make_certificates(tmp_path_factory.mktemp("other-ca"))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca_bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other.ca_bundle))
    client = make_client(sandbox)
    assert client.get("time")["time"] > 0
    assert client.session.get(sandbox.api_path + "time").status_code == 200
    # ...and a CA that did not sign the server's certificate is refused, naming the bundle.
    untrusting = make_client(sandbox, verify=str(other.ca_bundle))
    with pytest.raises(TLSError) as caught:
        untrusting.get("time")
    assert f"is not signed by the CA bundle {str(other.ca_bundle)!r}" in str(caught.value)


def test_the_system_trust_store_does_not_trust_the_sandbox(sandbox: SandboxServer, make_client: MakeClient) -> None:
    with pytest.raises(TLSError, match="not signed by the system's trusted CAs"):
        make_client(sandbox, verify=True).get("time")


def test_a_certificate_for_another_host_is_a_tls_error_that_says_so(make_sandbox: MakeSandbox, make_client: MakeClient) -> None:
    server = make_sandbox(hosts=("store.example",))
    with pytest.raises(TLSError, match="not valid for the host name '127.0.0.1'"):
        make_client(server).get("time")


def test_no_credential_in_logs_reprs_or_errors(
    make_sandbox: MakeSandbox, make_client: MakeClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = make_sandbox(Store(orders=300), faults=Faults(rate=0.3, seed=3, retry_after=0))
    client = make_client(server, max_retries=10)
    records = list(client.paginate("orders", {"limit": 50}))
    texts = [caplog.text, repr(client), repr(client.session), repr(client.config), str(client.config), str(records)]
    for build in (
        lambda: make_client(server, token="bad" + token).get("orders"),
        lambda: make_client(make_sandbox(faults=Faults(rate=1.0, kinds=("503",))), max_retries=1).get("orders"),
        lambda: make_client(server, api_path=f"http://127.0.0.1:{server.port}/api/v2/"),
    ):
        with pytest.raises(Exception) as caught:
            build()
        texts += [str(caught.value), repr(caught.value)]
    assert "urllib3" in caplog.text  # the debug log was captured, so the check below means something
    for text in texts:
        assert secrets_in(text, token) == []


def test_session_sends_basic_auth_json_accept_and_user_agent(sandbox: SandboxServer, make_client: MakeClient) -> None:
    session = make_client(sandbox).session
    assert isinstance(session, requests.Session)
    assert session.headers["Accept"] == "application/json"
    assert session.headers["User-Agent"].startswith("airflow-provider-bc/")
    assert session.headers["Authorization"].startswith("Basic ")
    assert session.get(sandbox.api_path + "orders/count").json()["count"] == 1_200
