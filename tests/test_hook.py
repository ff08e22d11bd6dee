"""BigCommerceHook from real Airflow connections, and the provider's registration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from airflow_provider_bc.client import AuthenticationError, BigCommerceError, ConfigurationError
from airflow_provider_bc.get_provider_info import get_provider_info
from airflow_provider_bc.hooks.bigcommerce import BigCommerceHook
from airflow_provider_bc.sandbox.server import SandboxServer
from tests.helpers import USERNAME, connection_json, secrets_in


@pytest.fixture
def connection(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, token: str) -> Iterator[Callable[..., str]]:
    """Define connections as ``AIRFLOW_CONN_<ID>`` JSON, the way a deployment's environment does."""

    def define(conn_id: str = "bigcommerce_default", **fields: object) -> str:
        value = json.loads(connection_json(sandbox, token))
        value.update(fields)
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(value))
        return conn_id

    yield define


def test_hook_attributes_follow_airflow_conventions() -> None:
    assert BigCommerceHook.conn_name_attr == "bigcommerce_conn_id"
    assert BigCommerceHook.default_conn_name == "bigcommerce_default"
    assert BigCommerceHook.conn_type == "bigcommerce"
    assert BigCommerceHook.hook_name == "BigCommerce"
    assert BigCommerceHook().bigcommerce_conn_id == "bigcommerce_default"


def test_constructing_a_hook_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_NOWHERE", raising=False)
    hook = BigCommerceHook("nowhere")  # a missing connection only matters once it is used
    with pytest.raises(Exception, match="nowhere"):
        hook.get_conn()


def test_get_count_and_paginate_through_the_connection(connection: Callable[..., str], sandbox: SandboxServer) -> None:
    hook = BigCommerceHook(connection())
    assert hook.get("orders/100")["id"] == 100
    assert hook.count("orders") == 1_200
    assert [r["id"] for r in hook.paginate("orders")] == [r["id"] for r in sandbox.store.records("orders")]
    session = hook.get_conn()
    assert session.get(sandbox.api_path + "time").status_code == 200
    assert hook.get_client() is hook.get_client()  # one client, one limiter, per hook


def test_api_path_without_v2_suffix_and_concurrency_extra(connection: Callable[..., str], sandbox: SandboxServer, token: str) -> None:
    extra = json.loads(connection_json(sandbox, token))["extra"] | {"concurrency": "2"}
    hook = BigCommerceHook(connection("bc_origin", host=sandbox.origin, extra=extra))
    assert hook.get_client().config.api_path == sandbox.api_path
    assert hook.get_client().config.concurrency == 2
    list(hook.paginate("orders"))
    assert sandbox.stats.max_in_flight <= 2


def test_test_connection_names_the_store(connection: Callable[..., str], sandbox: SandboxServer) -> None:
    ok, message = BigCommerceHook(connection()).test_connection()
    assert ok is True
    assert message == f"Connected to BigCommerce store 'Sandbox Store' (127.0.0.1:{sandbox.port}) at {sandbox.api_path} as '{USERNAME}'"


def test_test_connection_reports_a_rejected_token(connection: Callable[..., str], token: str) -> None:
    ok, message = BigCommerceHook(connection("bc_bad", password="other" + token)).test_connection()
    assert ok is False
    assert "the token was rejected; it may have been regenerated or the legacy API account deleted: update connection 'bc_bad'" in message
    assert not secrets_in(message, token)


def test_test_connection_reports_configuration_mistakes(connection: Callable[..., str], sandbox: SandboxServer) -> None:
    ok, message = BigCommerceHook(connection("bc_http", host=sandbox.api_path.replace("https", "http"))).test_connection()
    assert ok is False and "API Path (host) of connection 'bc_http' uses http://" in message
    ok, message = BigCommerceHook(connection("bc_nologin", login=None)).test_connection()
    assert ok is False and message.startswith("Username (login) of connection 'bc_nologin' is empty")


def test_errors_are_airflow_exceptions() -> None:
    from airflow.sdk.exceptions import AirflowException

    assert issubclass(BigCommerceError, AirflowException)
    assert issubclass(AuthenticationError, BigCommerceError) and issubclass(ConfigurationError, BigCommerceError)


def test_derived_secrets_are_masked(connection: Callable[..., str], token: str) -> None:
    from airflow.sdk._shared.secrets_masker import redact

    BigCommerceHook(connection()).get_client()
    import base64

    encoded = base64.b64encode(f"{USERNAME}:{token}".encode()).decode()
    text = f"token={token} header=Basic {encoded}"
    assert secrets_in(str(redact(text)), token) == []


def test_ui_field_behaviour_is_the_same_in_provider_info_and_on_the_hook() -> None:
    (conn_type,) = get_provider_info()["connection-types"]
    behaviour = conn_type["ui-field-behaviour"]
    assert behaviour["relabeling"] == {"host": "API Path", "login": "Username", "password": "API Token"}
    assert set(behaviour["hidden-fields"]) == {"schema", "port"}
    assert behaviour["placeholders"]["host"] == "https://store-xxxx.mybigcommerce.com/api/v2/ or https://api.bigcommerce.com/stores/<hash>/"
    assert set(conn_type["conn-fields"]) == {"auth", "verify", "timeout", "concurrency", "max_retries", "retry_backoff"}
    hook_behaviour = BigCommerceHook.get_ui_field_behaviour()
    assert hook_behaviour["hidden_fields"] == behaviour["hidden-fields"]
    assert hook_behaviour["relabeling"] == behaviour["relabeling"]


def test_provider_is_registered_with_airflow() -> None:
    """The installed distribution's entry point, as the providers manager reads it."""
    code = (
        "from airflow.providers_manager import ProvidersManager as P;"
        "p = P();"
        "print(p.hooks['bigcommerce'].hook_class_name);"
        "print(p.providers['airflow-provider-bc'].version);"
        "print(sorted(k for k in p.connection_form_widgets if 'bigcommerce' in k));"
        "print(p.field_behaviours['bigcommerce']['relabeling'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=os.environ | {"PYTHONWARNINGS": "ignore"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()[-4:]
    assert lines[0] == "airflow_provider_bc.hooks.bigcommerce.BigCommerceHook"
    assert lines[1] == "0.1.0"
    assert "extra__bigcommerce__verify" in lines[2] and "extra__bigcommerce__concurrency" in lines[2]
    assert "'host': 'API Path'" in lines[3]


def test_airflow_providers_list_shows_it() -> None:
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    out = subprocess.run([airflow, "providers", "list", "-o", "json"], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    packages = {entry["package_name"]: entry for entry in json.loads(out.stdout[out.stdout.index("["):])}
    assert packages["airflow-provider-bc"]["version"] == "0.1.0"
