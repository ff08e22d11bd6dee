"""Shared fixtures: a real sandbox store over TLS on 127.0.0.1, and clients of it."""

from __future__ import annotations

import atexit
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
_DAGS_FOLDER = os.path.join(os.environ["AIRFLOW_HOME"], "dags")
os.makedirs(_DAGS_FOLDER)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = _DAGS_FOLDER

from airflow_provider_bc.client import BigCommerceClient, RetryPolicy
from airflow_provider_bc.sandbox.server import SandboxServer
from airflow_provider_bc.sandbox.store import Store
from tests.helpers import USERNAME, client_config


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


@pytest.fixture
def make_client(token: str) -> Callable[..., BigCommerceClient]:
    """A client of a sandbox with quick retries (delays in milliseconds, not seconds)."""

    def make(server: SandboxServer, **overrides: Any) -> BigCommerceClient:
        config = client_config(server, token, **overrides)
        return BigCommerceClient(config, policy=RetryPolicy(max_retries=config.max_retries, backoff=0.01, max_backoff=0.05))

    return make


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """A migrated metadata database (SQLite in the session's AIRFLOW_HOME)."""
    import subprocess
    import sys

    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    result = subprocess.run([airflow, "db", "migrate"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return os.environ["AIRFLOW_HOME"]
