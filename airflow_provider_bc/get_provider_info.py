"""Provider metadata that Airflow reads through the ``apache_airflow_provider`` entry point.

The connection form is declared here (``conn-fields`` and ``ui-field-behaviour``), which is
what the Airflow 3.2+ UI reads without importing the hook.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_bc import __version__

HOOK_CLASS = "airflow_provider_bc.hooks.bigcommerce.BigCommerceHook"

CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "auth": {
        "label": "Account type",
        "description": "basic: a legacy API account (user name and API token; v2 only). oauth: a store API account "
        "(access token; v2 and v3), whose API Path is https://api.bigcommerce.com/stores/<store hash>/ or just the "
        "store hash. Empty: told from the API Path.",
        "schema": {"type": ["string", "null"], "enum": ["basic", "oauth"]},
    },
    "verify": {
        "label": "TLS CA bundle",
        "description": "true to verify against the system's trusted CAs (the default), or the path of a CA "
        "bundle file on the workers. Verification cannot be turned off.",
        "schema": {"type": ["string", "null"]},
    },
    "timeout": {
        "label": "Timeout (seconds)",
        "description": "How long to wait for each response before retrying it.",
        "schema": {"type": ["number", "null"], "default": 60, "minimum": 1},
    },
    "concurrency": {
        "label": "Concurrency",
        "description": "Requests in flight at once during a pull; the store's rate limit is shared by all of them.",
        "schema": {"type": ["integer", "null"], "default": 4, "minimum": 1, "maximum": 64},
    },
    "max_retries": {
        "label": "Max retries",
        "description": "Retries of a request after 429, 5xx, a timeout or a dropped connection.",
        "schema": {"type": ["integer", "null"], "default": 5, "minimum": 0, "maximum": 50},
    },
    "retry_backoff": {
        "label": "Retry backoff (seconds)",
        "description": "First delay before a retry where the store names none; it doubles on each retry.",
        "schema": {"type": ["number", "null"], "default": 2, "minimum": 0},
    },
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port"],
    "relabeling": {"host": "API Path", "login": "Username", "password": "API Token"},
    "placeholders": {
        "host": "https://store-xxxx.mybigcommerce.com/api/v2/ or https://api.bigcommerce.com/stores/<hash>/",
        "login": "legacy account: its user name; OAuth: empty, or the client ID",
        "password": "legacy account: its API token; OAuth: the access token",
    },
}


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-bc",
        "name": "BigCommerce",
        "description": "Pull orders, customers, products and the other v2 and v3 collections of BigCommerce stores.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "BigCommerce",
                "external-doc-url": "https://developer.bigcommerce.com/docs/rest-management",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "BigCommerce", "python-modules": ["airflow_provider_bc.hooks.bigcommerce"]}],
        "operators": [{"integration-name": "BigCommerce", "python-modules": ["airflow_provider_bc.operators.bigcommerce"]}],
        "connection-types": [
            {
                "connection-type": "bigcommerce",
                "hook-class-name": HOOK_CLASS,
                "hook-name": "BigCommerce",
                "conn-fields": CONNECTION_FIELDS,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
    }
