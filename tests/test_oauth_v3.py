"""OAuth store API accounts and the v3 collections, against the sandbox over real TLS.

Both kinds of account behind one connection type: the same hook, pagers, retries, quota and
operator; v3 through the OAuth account only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_bc.client import (
    BigCommerceClient,
    ClientConfig,
    ConfigurationError,
    RetryPolicy,
)
from airflow_provider_bc.client.errors import (
    AuthenticationError,
    BadRequestError,
    UnexpectedResponseError,
)
from airflow_provider_bc.sandbox.server import FAULT_KINDS, Faults, SandboxServer
from airflow_provider_bc.sandbox.store import DAY, Store
from airflow_provider_bc.sandbox.v3 import iso
from tests.helpers import (
    USERNAME,
    client_config,
    connection_json,
    oauth_connection_json,
    oauth_token_for,
    secrets_in,
)

MakeSandbox = Callable[..., SandboxServer]
UTC = timezone.utc


@pytest.fixture
def access_token(token: str) -> str:
    return oauth_token_for(token)


@pytest.fixture
def oauth_sandbox(make_sandbox: MakeSandbox, access_token: str) -> Callable[..., SandboxServer]:
    def start(store: Store | None = None, **options: Any) -> SandboxServer:
        return make_sandbox(store or Store(orders=1_200, products=700), oauth_token=access_token, **options)

    return start


def oauth_client(server: SandboxServer, access_token: str, **overrides: Any) -> BigCommerceClient:
    fields: dict[str, Any] = {"api_path": server.oauth_api_path, "username": "", "token": access_token, "verify": server.ca_bundle,
                              "concurrency": 4, "max_retries": 5, "retry_backoff": 0.01, "source": "connection 'oauth'"}
    fields.update(overrides)
    config = ClientConfig(**fields)
    return BigCommerceClient(config, policy=RetryPolicy(max_retries=config.max_retries, backoff=0.01, max_backoff=0.05))


# -- the connection: which account, which paths -----------------------------------------------------

@pytest.mark.parametrize(
    ("api_path", "auth", "v2", "v3"),
    [
        ("https://api.bigcommerce.com/stores/abc123/", None, "https://api.bigcommerce.com/stores/abc123/v2/", "https://api.bigcommerce.com/stores/abc123/v3/"),
        ("https://api.bigcommerce.com/stores/ABC123/v3/", None, "https://api.bigcommerce.com/stores/abc123/v2/", "https://api.bigcommerce.com/stores/abc123/v3/"),
        ("https://api.bigcommerce.com/stores/abc123/v2", "oauth", "https://api.bigcommerce.com/stores/abc123/v2/", "https://api.bigcommerce.com/stores/abc123/v3/"),
        ("abc123", "oauth", "https://api.bigcommerce.com/stores/abc123/v2/", "https://api.bigcommerce.com/stores/abc123/v3/"),
        ("ABC123", "OAuth ", "https://api.bigcommerce.com/stores/abc123/v2/", "https://api.bigcommerce.com/stores/abc123/v3/"),
        ("https://store-abc.mybigcommerce.com/api/v2/", None, "https://store-abc.mybigcommerce.com/api/v2/", None),
        ("https://store-abc.mybigcommerce.com/api/v2/", "basic", "https://store-abc.mybigcommerce.com/api/v2/", None),
    ],
)
def test_the_account_kind_is_inferred_or_given_and_names_both_roots(api_path: str, auth: str | None, v2: str, v3: str | None) -> None:
    config = ClientConfig(api_path=api_path, username="", token="t0ken", auth=auth) if v3 else ClientConfig(
        api_path=api_path, username="reader", token="t0ken", auth=auth)
    assert (config.auth, config.api_path, config.v3_path) == ("oauth" if v3 else "basic", v2, v3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"api_path": "https://api.bigcommerce.com/stores/abc123/", "auth": "basic"},
         "is a store API account's path (https://api.bigcommerce.com/stores/abc123/), which takes an OAuth access token, but extra 'auth' is 'basic'"),
        ({"api_path": "https://store-abc.mybigcommerce.com/api/v2/", "auth": "oauth"},
         "but extra 'auth' is 'oauth': an OAuth access token is used at https://api.bigcommerce.com/stores/<store hash>/"),
        ({"api_path": "abc123", "auth": "jwt"}, "Extra 'auth' of the connection must be 'basic' (a legacy API account) or 'oauth'"),
        ({"api_path": "http://api.bigcommerce.com/stores/abc123/", "auth": None}, "uses http:// (http://api.bigcommerce.com/stores/abc123/)"),
        ({"api_path": "https://api.bigcommerce.com/stores/abc123/", "token": ""},
         "API Token (password) of the connection is empty: copy it from the store API account's access token"),
        ({"api_path": "https://api.bigcommerce.com/stores/a-b/"}, "has 'a-b' where the store hash belongs"),
    ],
)
def test_connection_mistakes_of_either_kind_are_named(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig(**{"username": "", "token": "t0ken", **fields})
    assert message in str(caught.value)
    assert "t0ken" not in str(caught.value)


def test_oauth_sends_the_access_token_never_basic_auth_and_reads_the_same_v2_data(
    oauth_sandbox: Callable[..., SandboxServer], access_token: str, token: str
) -> None:
    server = oauth_sandbox()
    client = oauth_client(server, access_token, username="my-client-id")
    assert "Authorization" not in client.session.headers
    assert client.session.headers["X-Auth-Token"] == access_token
    assert client.session.headers["X-Auth-Client"] == "my-client-id"
    assert list(client.paginate("orders")) == server.store.records("orders")
    assert client.url_for("orders") == server.oauth_api_path + "v2/orders"
    # Each kind of credential works only where it belongs.
    legacy_on_oauth_path = BigCommerceClient(client_config(server, token, api_path=server.oauth_api_path, auth="oauth"))
    with pytest.raises(AuthenticationError) as caught:
        legacy_on_oauth_path.get("orders")
    assert "the store API account may have been deleted, or the API Token of connection 'test' is not its access token" in str(caught.value)
    with pytest.raises(AuthenticationError):
        BigCommerceClient(client_config(server, access_token)).get("orders")  # an access token is no legacy token
    assert secrets_in(str(caught.value), access_token) == [] and access_token not in repr(client.config)


def test_a_legacy_account_asking_for_v3_is_told_before_any_request(make_sandbox: MakeSandbox, make_client: Callable[..., BigCommerceClient]) -> None:
    server = make_sandbox()
    client = make_client(server)
    with pytest.raises(ConfigurationError) as caught:
        client.paginate("v3/catalog/products")
    assert "'v3/catalog/products' is in BigCommerce's v3 API, which accepts only OAuth access tokens, and connection 'test' is a legacy API account" in str(caught.value)
    assert "https://api.bigcommerce.com/stores/<store hash>/" in str(caught.value)
    assert server.stats.requests == 0


# -- the v3 collections ---------------------------------------------------------------------------------

def _v3_expected(store: Store, name: str, **filters: Any) -> list[int]:
    return [r["id"] for r in store.records(name, **filters)]


def test_v3_catalog_products_with_variants_every_record_once_in_id_order(oauth_sandbox: Callable[..., SandboxServer], access_token: str) -> None:
    server = oauth_sandbox()
    client = oauth_client(server, access_token, concurrency=4)
    pager = client.paginate("v3/catalog/products", {"include": "variants", "limit": 50})
    products = list(pager)
    assert [p["id"] for p in products] == _v3_expected(server.store, "products")
    assert pager.total == 700 and pager.pages >= 14
    assert all(p["variants"] and all(v["product_id"] == p["id"] for v in p["variants"]) for p in products)
    assert isinstance(products[0]["price"], float) and products[0]["date_modified"].endswith("+00:00")  # v3 shapes


@pytest.mark.parametrize(("resource", "source"), [("v3/catalog/categories", "categories"), ("v3/catalog/brands", "brands")])
def test_v3_categories_and_brands_complete(oauth_sandbox: Callable[..., SandboxServer], access_token: str, resource: str, source: str) -> None:
    server = oauth_sandbox()
    got = [r["id"] for r in oauth_client(server, access_token).paginate(resource, {"limit": 5})]
    assert got == _v3_expected(server.store, source) and got


@pytest.mark.parametrize("cursor", [True, False])
def test_v3_customers_by_cursor_or_by_page_number_in_creation_order(
    oauth_sandbox: Callable[..., SandboxServer], access_token: str, cursor: bool
) -> None:
    store = Store(orders=1_200)
    server = oauth_sandbox(store, cursor=cursor)
    low, high = store.start + 3 * DAY, store.start + 20 * DAY - 1
    params = {"date_modified:min": iso(low), "date_modified:max": iso(high), "limit": 20, "include": "addresses"}
    pager = oauth_client(server, access_token).paginate("v3/customers", params)
    got = list(pager)
    expected = sorted(store.records("customers", min_date_modified=low, max_date_modified=high),
                      key=lambda r: (store.collections["customers"].created[r["id"] - 1], r["id"]))
    assert [c["id"] for c in got] == [c["id"] for c in expected] and len(got) > 100
    assert all(c["addresses"] for c in got)
    requests_made = server.stats.requests
    assert requests_made == pager.pages == -(-len(got) // 20) + (1 if not cursor and len(got) % 20 == 0 else 0)


@pytest.mark.parametrize("cursor", [True, False])
def test_v3_customers_changing_under_the_pull(oauth_sandbox: Callable[..., SandboxServer], access_token: str, cursor: bool) -> None:
    """By cursor, deletions move nothing: every record arrives. By page number, the pull refuses."""
    store = Store(orders=800)
    deleted: list[int] = []

    def change(s: Store, name: str, query: Any) -> None:
        if name == "customers" and ("after" in query or query.get("page") not in (None, "1")):
            victim = 2 + len(deleted)  # always one already read
            s.delete("customers", victim)
            deleted.append(victim)

    store.before_list = change
    server = oauth_sandbox(store, cursor=cursor)
    pager = oauth_client(server, access_token).paginate("v3/customers", {"limit": 25})
    if cursor:
        got = [c["id"] for c in pager]
        assert len(deleted) >= 5
        # Each deleted one had been read already; with offsets, each deletion would have
        # made one unread record slip back past the page boundary.
        customers = store.collections["customers"]
        assert got == sorted(customers.ids, key=lambda i: (customers.created[i - 1], i))
    else:
        with pytest.raises(UnexpectedResponseError) as caught:
            list(pager)
        assert "v3/customers changed while it was paged by page number (200 records matched at the start, 199 later" in str(caught.value)
        assert "nothing was written; run again" in str(caught.value)


def test_v3_errors_carry_the_stores_own_words(oauth_sandbox: Callable[..., SandboxServer], access_token: str) -> None:
    server = oauth_sandbox()
    client = oauth_client(server, access_token)
    with pytest.raises(BadRequestError) as caught:
        client.get_page("v3/catalog/products", {"include": "reviews"})
    assert "BigCommerce refused GET" in str(caught.value) and "The include 'reviews' is not supported. (include: one of custom_fields, images, variants)" in str(caught.value)
    wrong = oauth_client(server, access_token[::-1])
    with pytest.raises(AuthenticationError) as refused:
        list(wrong.paginate("v3/customers"))
    assert "You are not authorised to access this resource." in str(refused.value)
    assert access_token not in str(refused.value) and access_token[::-1] not in str(refused.value)


def test_v3_pulls_survive_faults_and_honour_the_quota(oauth_sandbox: Callable[..., SandboxServer], access_token: str) -> None:
    server = oauth_sandbox(Store(orders=2_000, products=900), faults=Faults(rate=0.2, kinds=FAULT_KINDS, seed=7, retry_after=0),
                           quota=40, window=1.0)
    client = oauth_client(server, access_token, concurrency=4, max_retries=10)
    products = [p["id"] for p in client.paginate("v3/catalog/products", {"limit": 25})]
    customers = [c["id"] for c in client.paginate("v3/customers", {"limit": 25})]
    assert products == _v3_expected(server.store, "products")
    assert sorted(customers) == _v3_expected(server.store, "customers")
    assert sum(server.stats.faults.values()) >= 10 and client.stats.retries >= sum(server.stats.faults.values())
    assert server.stats.statuses[429] <= server.stats.faults["429"] + 3  # paced by the quota headers, not by 429s


# -- the operator: windows, exactly once, no secret --------------------------------------------------------

@pytest.mark.airflow
@pytest.mark.usefixtures("airflow_db")
def test_daily_v3_windows_and_a_move_from_legacy_to_oauth_leave_no_gap(
    oauth_sandbox: Callable[..., SandboxServer], access_token: str, token: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
) -> None:
    from tests.test_operator import JAN, make_dag, read_jsonl, run

    store = Store(orders=2_000, products=600, span_days=10)
    server = oauth_sandbox(store)
    out = tmp_path / "out"
    # Day 1: the legacy account, v2 customers; then the connection becomes the OAuth account
    # (same id, same DAG) and days 2 and 3 pull v3 customers.
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_DEFAULT", connection_json(server, token))
    legacy = make_dag("move_v2", resource="customers", output_path=str(out / "{{ ds }}.jsonl"))
    state, first = run(legacy, JAN[3])
    assert state == "success", first
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_DEFAULT", oauth_connection_json(server, access_token))
    moved = make_dag("move_v3", resource="v3/customers", include=["addresses"], output_path=str(out / "{{ ds }}.jsonl"))
    summaries = [first]
    for day in (4, 5):
        state, summary = run(moved, JAN[day])
        assert state == "success", summary
        summaries.append(summary)
    assert [s["window_end"] for s in summaries[:-1]] == [s["window_start"] for s in summaries[1:]]
    ids = [r["id"] for s in summaries for r in read_jsonl(s["path"])]
    low = int(datetime.fromisoformat(summaries[0]["window_start"]).timestamp())
    assert summaries[-1]["window_end"] == iso(low + 3 * DAY).replace("+00:00", "Z")
    assert sorted(ids) == _v3_expected(store, "customers", min_date_modified=low, max_date_modified=low + 3 * DAY - 1)
    assert len(ids) == len(set(ids)) > 50
    assert all("addresses" in r for r in read_jsonl(summaries[-1]["path"]))

    products = make_dag("v3_products", resource="v3/catalog/products", include=["variants"],
                        output_path=str(out / "products-{{ ds }}.jsonl.gz"))
    state, summary = run(products, JAN[4])
    assert state == "success", summary
    pulled = read_jsonl(summary["path"])
    day = int(datetime.fromisoformat(summary["window_start"]).timestamp())
    assert [p["id"] for p in pulled] == _v3_expected(store, "products", min_date_modified=day, max_date_modified=day + DAY - 1)
    assert pulled and all(p["variants"] for p in pulled)
    logs = capfd.readouterr()
    assert "Wrote" in logs.out
    for text in (logs.out, logs.err, json.dumps(summaries), *(p.read_text() for p in out.glob("*.jsonl"))):
        assert secrets_in(text, access_token) == [] and secrets_in(text, token) == []


@pytest.mark.airflow
def test_the_hook_tests_an_oauth_connection_and_the_operator_refuses_v3_on_a_legacy_one(
    oauth_sandbox: Callable[..., SandboxServer], access_token: str, token: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow_provider_bc.hooks.bigcommerce import BigCommerceHook

    server = oauth_sandbox()
    monkeypatch.setenv("AIRFLOW_CONN_BC_OAUTH", oauth_connection_json(server, access_token))
    ok, message = BigCommerceHook("bc_oauth").test_connection()
    assert ok, message
    assert message == f"Connected to BigCommerce store 'Sandbox Store' (127.0.0.1:{server.port}) at {server.oauth_api_path}v2/ with a store API account (OAuth; v2 and v3)"
    monkeypatch.setenv("AIRFLOW_CONN_BC_OAUTH", oauth_connection_json(server, "not-" + access_token))
    ok, message = BigCommerceHook("bc_oauth").test_connection()
    assert not ok and "the token was rejected; the store API account may have been deleted" in message
    assert access_token not in message
    monkeypatch.setenv("AIRFLOW_CONN_BC_LEGACY", connection_json(server, token))
    with pytest.raises(ConfigurationError) as caught:
        list(BigCommerceHook("bc_legacy").paginate("v3/customers"))
    assert "which accepts only OAuth access tokens, and connection 'bc_legacy' is a legacy API account" in str(caught.value)
    assert USERNAME not in str(caught.value).split("connection")[0]


def test_the_readme_names_the_scope_of_every_resource_as_the_catalogue_does() -> None:
    from airflow_provider_bc.client.resources import CATALOGUE

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme.split("Scopes per resource", 1)[1].split("\n\n", 2)[1]
    documented: dict[str, str] = {}
    for row in table.splitlines()[2:]:
        names, scope = (cell.strip() for cell in row.strip("|").split("|"))
        for name in names.replace(", and `/store` for the *Test* button", "").split(","):
            documented[name.strip().strip("`")] = scope
    assert documented == {name: resource.scope for name, resource in CATALOGUE.items()}


@pytest.mark.airflow
@pytest.mark.usefixtures("airflow_db")
def test_a_v3_pull_that_cannot_be_trusted_fails_the_task_and_writes_nothing(
    oauth_sandbox: Callable[..., SandboxServer], access_token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from tests.test_operator import JAN, make_dag, run

    store = Store(orders=1_600, span_days=5)
    deleted: list[int] = []

    def delete_one(s: Store, name: str, query: Any) -> None:
        """One customer of page 1 goes while page 2 is asked for: page 2 then starts a record late."""
        if name == "customers" and query.get("page") == "2" and not deleted:
            deleted.append(s.collections["customers"].ids[0])
            s.delete("customers", deleted[0])

    store.before_list = delete_one
    server = oauth_sandbox(store, cursor=False)
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_DEFAULT", oauth_connection_json(server, access_token, max_retries=1))
    dag = make_dag("v3_untrusted", resource="v3/customers", incremental=False, api_params={"limit": 50},
                   output_path=str(tmp_path / "out" / "customers.jsonl"))
    state, summary = run(dag, JAN[9])
    assert deleted and state == "failed" and summary is None
    assert "v3/customers changed while it was paged by page number (400 records matched at the start, 399 later" in capfd.readouterr().out
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
