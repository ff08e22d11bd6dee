"""BigCommerceHook: an Airflow connection of type ``bigcommerce`` turned into a client.

Thin on purpose: the connection's fields are validated by
:class:`~airflow_provider_bc.client.config.ClientConfig`, and retries, the quota, paging and
errors live in :class:`~airflow_provider_bc.client.client.BigCommerceClient`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import requests
from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from airflow_provider_bc.client import BigCommerceClient, BigCommerceError, ClientConfig, PermissionDeniedError
from airflow_provider_bc.client.pager import CursorPager, KeysetPager, OffsetPager
from airflow_provider_bc.client.session import basic_auth_value
from airflow_provider_bc.get_provider_info import CONNECTION_FIELDS, UI_FIELD_BEHAVIOUR


class BigCommerceHook(BaseHook):
    """Reads a ``bigcommerce`` connection and talks to that store's API.

    The connection holds one of two kinds of account. A legacy API account: host = API Path
    (``https://store-xxxx.mybigcommerce.com/api/v2/``), login = user name, password = API
    token; v2 only, with Basic auth. A store API account (OAuth): host =
    ``https://api.bigcommerce.com/stores/<store hash>/`` (or the store hash with extra
    ``auth=oauth``), password = access token, login = empty or the client ID; v2 and v3, with
    ``X-Auth-Token``. Optional extras: ``auth``, ``verify``, ``timeout``, ``concurrency``,
    ``max_retries``, ``retry_backoff``. Nothing is read or sent until a method needs it.

    :param bigcommerce_conn_id: the connection to use.
    """

    conn_name_attr = "bigcommerce_conn_id"
    default_conn_name = "bigcommerce_default"
    conn_type = "bigcommerce"
    hook_name = "BigCommerce"

    def __init__(self, bigcommerce_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self._client: BigCommerceClient | None = None

    def get_client(self) -> BigCommerceClient:
        """The client for this connection, built once per hook: one limiter for the whole pull."""
        if self._client is None:
            conn = self.get_connection(self.bigcommerce_conn_id)
            config = ClientConfig.from_connection_fields(
                host=conn.host,
                login=conn.login,
                password=conn.password,
                extra=conn.extra_dejson,
                source=f"connection {self.bigcommerce_conn_id!r}",
            )
            mask_secret(config.token)
            if config.auth == "basic":
                header = basic_auth_value(config.username, config.token)
                mask_secret(header)
                mask_secret(header.removeprefix("Basic "))
            self._client = BigCommerceClient(config)
        return self._client

    def get_conn(self) -> requests.Session:
        """A ``requests.Session`` with the account's credentials, verified TLS, pooling and timeouts."""
        return self.get_client().session

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The parsed JSON of ``GET <api path>/<path>`` (``v3/...``: of the v3 API); None where the store answers 204."""
        return self.get_client().get(path, params)

    def count(self, path: str, params: Mapping[str, Any] | None = None) -> int:
        """How many records of ``path`` match ``params``."""
        return self.get_client().count(path, params)

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, *, raw: bool = False
    ) -> KeysetPager | OffsetPager | CursorPager:
        """Every record of the collection ``path`` once, ascending by id, pages fetched concurrently.

        With ``raw``, records are RawRecords (``id``, and ``json``: the API's own bytes), which
        cost a tenth of the CPU of dicts; ``write_jsonl`` writes either.
        """
        return self.get_client().paginate(path, params, raw=raw)

    def embed(self, records: Iterable[dict[str, Any]], include: Sequence[str]) -> Iterator[dict[str, Any]]:
        """``records`` with the sub-resources in ``include`` (e.g. an order's ``products``) in place of their links."""
        return self.get_client().embed(records, include)

    def test_connection(self) -> tuple[bool, str]:
        """Ask the store who it is; the UI's Test button shows the answer."""
        try:
            client = self.get_client()
            try:
                store = client.get("store")
            except PermissionDeniedError:
                client.get("time")
                return True, f"Connected to {client.config.api_path} {_as(client)} (the account may not read the store's name)"
        except BigCommerceError as exc:
            return False, str(exc)
        name = store.get("name", "?") if isinstance(store, dict) else "?"
        domain = store.get("domain", "") if isinstance(store, dict) else ""
        return True, f"Connected to BigCommerce store {name!r} ({domain}) at {client.config.api_path} {_as(client)}"

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The form's relabelled and hidden fields, for UIs that still ask the hook (before 3.2)."""
        return {
            "hidden_fields": list(UI_FIELD_BEHAVIOUR["hidden-fields"]),
            "relabeling": dict(UI_FIELD_BEHAVIOUR["relabeling"]),
            "placeholders": dict(UI_FIELD_BEHAVIOUR["placeholders"]),
        }

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The extra fields of the form, for UIs that still ask the hook (before 3.2)."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import IntegerField, StringField

        widgets = {}
        for name, spec in CONNECTION_FIELDS.items():
            kind = IntegerField if "integer" in spec["schema"]["type"] else StringField
            widgets[name] = kind(lazy_gettext(spec["label"]), widget=BS3TextFieldWidget(), description=spec["description"])
        return widgets


def _as(client: BigCommerceClient) -> str:
    """Who the connection test says it connected as."""
    if client.config.auth == "oauth":
        return "with a store API account (OAuth; v2 and v3)"
    return f"as {client.config.username!r}"
