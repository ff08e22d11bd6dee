"""A ``requests.Session`` that is safe to hand a BigCommerce token.

It sends Basic auth only over verified TLS, never follows a redirect (a redirect would carry
the credentials somewhere the user did not name), verifies against the CA bundle of the
connection even where ``REQUESTS_CA_BUNDLE`` says otherwise, and puts a timeout on every
request.
"""

from __future__ import annotations

import base64
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


class BigCommerceSession(requests.Session):
    """A session bound to one store's legacy API account.

    Use it like any ``requests.Session``; relative paths are not resolved here (the client
    does that), but every request it sends is checked to be ``https://``.
    """

    def __init__(self, config: ClientConfig) -> None:
        super().__init__()
        self._timeout = (min(CONNECT_TIMEOUT, config.timeout), config.timeout)
        self.verify = config.verify
        self.headers.update(
            {
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                "Authorization": basic_auth_value(config.username, config.token),
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

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> dict[str, Any]:
        # requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override session.verify; the
        # bundle named in the connection must win, so keep it unless the call chose one.
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            settings["verify"] = self.verify
        return settings
