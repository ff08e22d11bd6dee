"""Shared fixtures: a real sandbox store over TLS on 127.0.0.1, and clients of it."""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Airflow reads its home when first imported: keep every test run's state out of ~/airflow.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="bc-airflow-home-")
atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_provider_bc.client import BigCommerceClient, ClientConfig, RetryPolicy
from airflow_provider_bc.sandbox.server import SandboxServer
from airflow_provider_bc.sandbox.store import Store

USERNAME = "sandbox"


@pytest.fixture(scope="session")
def token() -> str:
    """A fresh token per run, long enough for Airflow's masker, unlike anything in the code."""
    return "tok" + secrets.token_hex(16)


@pytest.fixture
def make_sandbox(tmp_path_factory: pytest.TempPathFactory, token: str) -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes with the given store and options; all are stopped after the test."""
    started: list[SandboxServer] = []

    def start(store: Store | None = None, **options: Any) -> SandboxServer:
        options.setdefault("token", token)
        options.setdefault("username", USERNAME)
        server = SandboxServer(store or Store(orders=1_200), certs_dir=tmp_path_factory.mktemp("certs"), **options)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return make_sandbox()


def client_config(server: SandboxServer, secret: str, **overrides: Any) -> ClientConfig:
    fields: dict[str, Any] = {
        "api_path": server.api_path,
        "username": USERNAME,
        "token": secret,
        "verify": server.ca_bundle,
        "concurrency": 4,
        "max_retries": 5,
        "retry_backoff": 0.01,
        "timeout": 10,
        "source": "connection 'test'",
    }
    fields.update(overrides)
    return ClientConfig(**fields)


@pytest.fixture
def make_client(token: str) -> Callable[..., BigCommerceClient]:
    """A client of a sandbox with quick retries (delays in milliseconds, not seconds)."""

    def make(server: SandboxServer, **overrides: Any) -> BigCommerceClient:
        config = client_config(server, token, **overrides)
        return BigCommerceClient(config, policy=RetryPolicy(max_retries=config.max_retries, backoff=0.01, max_backoff=0.05))

    return make


def connection_json(server: SandboxServer, token: str, **extra: Any) -> str:
    """The connection as ``AIRFLOW_CONN_<ID>`` holds it."""
    return json.dumps(
        {
            "conn_type": "bigcommerce",
            "host": server.api_path,
            "login": USERNAME,
            "password": token,
            "extra": {"verify": server.ca_bundle, "retry_backoff": 0.01, **extra},
        }
    )


def secrets_in(text: str, token: str) -> list[str]:
    """The forms of the credentials found in ``text``: the token, base64 and the header."""
    import base64

    encoded = base64.b64encode(f"{USERNAME}:{token}".encode()).decode()
    return [form for form in (token, encoded, f"Basic {encoded}") if form in text]
