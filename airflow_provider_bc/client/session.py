"""A ``requests.Session`` that is safe to hand a BigCommerce token.

It sends the credentials (Basic auth for a legacy account, ``X-Auth-Token`` for an OAuth
store API account, never both) only over verified TLS, never follows a redirect (a redirect would carry
the credentials somewhere the user did not name), verifies against the CA bundle of the
connection even where ``REQUESTS_CA_BUNDLE`` says otherwise, and puts a timeout on every
request.

The environment (proxies, the default CA bundle) is read once, when the session is made:
requests would otherwise scan every environment variable on every request, which cost more
CPU per page than parsing it.
"""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from airflow_provider_bc import __version__
from airflow_provider_bc.client.config import ClientConfig
from airflow_provider_bc.client.errors import ConfigurationError

USER_AGENT = f"airflow-provider-bc/{__version__} (+Apache Airflow; python-requests/{requests.__version__})"
CONNECT_TIMEOUT = 10.0


def basic_auth_value(username: str, token: str) -> str:
    """The ``Authorization`` header value for a legacy API account."""
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode("ascii")


def auth_headers(config: ClientConfig) -> dict[str, str]:
    """The credential headers of the configured account."""
    if config.auth == "oauth":
        headers = {"X-Auth-Token": config.token}
        if config.username:
            headers["X-Auth-Client"] = config.username
        return headers
    return {"Authorization": basic_auth_value(config.username, config.token)}


class BigCommerceSession(requests.Session):
    """A session bound to one store's API account.

    Use it like any ``requests.Session``; relative paths are not resolved here (the client
    does that), but every request it sends is checked to be ``https://``.
    """

    def __init__(self, config: ClientConfig) -> None:
        super().__init__()
        self._timeout = (min(CONNECT_TIMEOUT, config.timeout), config.timeout)
        self.trust_env = False
        self.proxies.update(requests.utils.get_environ_proxies(config.api_path))
        # A bundle named in the connection wins; otherwise requests' own choice: the
        # environment's bundle, or certifi's.
        self.verify = config.verify if config.verify is not True else (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self.headers.update(
            {
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                **auth_headers(config),
            }
        )
        # One pooled connection per worker, plus one for the odd extra call (count, test).
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=config.concurrency + 1, max_retries=0)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def __repr__(self) -> str:
        return f"<BigCommerceSession verify={self.verify!r}>"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        scheme = urlsplit(request.url or "").scheme.lower()
        if scheme != "https":
            raise ConfigurationError(
                f"Refused to send a BigCommerce request over {scheme or 'no scheme'}://: "
                f"credentials go over https:// only"
            )
        return super().send(request, **kwargs)

    def get_redirect_target(self, resp: requests.Response) -> None:
        """Never follow a redirect: the caller sees the 3xx and reports where it pointed."""
        return None
