"""Helpers shared by the tests; no side effects on import (the conftest sets the environment)."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from airflow_provider_bc.client import ClientConfig
from airflow_provider_bc.sandbox.server import SandboxServer

USERNAME = "sandbox"


def dags_folder() -> str:
    return os.environ["AIRFLOW__CORE__DAGS_FOLDER"]


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
    encoded = base64.b64encode(f"{USERNAME}:{token}".encode()).decode()
    return [form for form in (token, encoded, f"Basic {encoded}") if form in text]


def oauth_token_for(token: str) -> str:
    """The sandbox's OAuth access token in tests: unlike the legacy token, and as unguessable."""
    return "oa" + token[::-1]


def oauth_connection_json(server: SandboxServer, access_token: str, **extra: Any) -> str:
    """An OAuth store API account as ``AIRFLOW_CONN_<ID>`` holds it (the API path infers OAuth)."""
    return json.dumps(
        {
            "conn_type": "bigcommerce",
            "host": server.oauth_api_path,
            "password": access_token,
            "extra": {"verify": server.ca_bundle, "retry_backoff": 0.01, **extra},
        }
    )
