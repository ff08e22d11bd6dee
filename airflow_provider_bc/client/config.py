"""What a client needs to reach one store, validated before any request is made.

Every mistake a user can make in a connection is caught here, with a message that names the
field and says what to write instead; nothing reaches the network until the whole
configuration is sound.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_bc.client.errors import ConfigurationError

EXAMPLE_API_PATH = "https://store-xxxx.mybigcommerce.com/api/v2/"
V2_PATH = "/api/v2/"

#: Connection extras and their defaults. The UI may store them with the legacy
#: ``extra__bigcommerce__`` prefix; both spellings are read.
EXTRA_DEFAULTS: dict[str, Any] = {
    "verify": True,
    "timeout": 60.0,
    "concurrency": 4,
    "max_retries": 5,
    "retry_backoff": 2.0,
}
_LEGACY_EXTRA_PREFIX = "extra__bigcommerce__"
MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class ClientConfig:
    """Everything a :class:`~airflow_provider_bc.client.client.BigCommerceClient` needs.

    :param api_path: the store's v2 API root, normalised to end in ``/api/v2/``.
    :param username: the legacy API account's user name.
    :param token: the API token; kept out of ``repr``.
    :param verify: ``True`` for the system trust store, or the path of a CA bundle.
    :param timeout: seconds to wait for a response before retrying.
    :param concurrency: requests in flight at once during a pull.
    :param max_retries: retries of one request after a transient failure.
    :param retry_backoff: first backoff delay in seconds; it doubles on each retry.
    :param source: how messages name this configuration, e.g. ``connection 'bigcommerce_default'``.
    """

    api_path: str
    username: str
    token: str = field(repr=False)
    verify: bool | str = True
    timeout: float = EXTRA_DEFAULTS["timeout"]
    concurrency: int = EXTRA_DEFAULTS["concurrency"]
    max_retries: int = EXTRA_DEFAULTS["max_retries"]
    retry_backoff: float = EXTRA_DEFAULTS["retry_backoff"]
    source: str = "the connection"

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_path", normalize_api_path(self.api_path, self.source))
        _require_text(self.username, "Username (login)", self.source, secret=False)
        _require_text(self.token, "API Token (password)", self.source, secret=True)
        object.__setattr__(self, "verify", _verify(self.verify, self.source))
        object.__setattr__(self, "timeout", _number(self.timeout, "timeout", self.source, 0.001, 3600))
        object.__setattr__(self, "concurrency", _integer(self.concurrency, "concurrency", self.source, 1, MAX_CONCURRENCY))
        object.__setattr__(self, "max_retries", _integer(self.max_retries, "max_retries", self.source, 0, 50))
        object.__setattr__(self, "retry_backoff", _number(self.retry_backoff, "retry_backoff", self.source, 0, 600))

    @classmethod
    def from_connection_fields(
        cls,
        *,
        host: str | None,
        login: str | None,
        password: str | None,
        extra: Mapping[str, Any] | None,
        source: str,
    ) -> ClientConfig:
        """Build from an Airflow connection's fields (host = API path, login, password = token)."""
        return cls(
            api_path=host or "",
            username=login or "",
            token=password or "",
            source=source,
            **read_extras(extra or {}, source),
        )


def read_extras(extra: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The known extras that are set, under their plain names; unknown keys are refused."""
    values: dict[str, Any] = {}
    for key, value in extra.items():
        name = key[len(_LEGACY_EXTRA_PREFIX):] if key.startswith(_LEGACY_EXTRA_PREFIX) else key
        if name not in EXTRA_DEFAULTS:
            raise ConfigurationError(
                f"Unknown extra {key!r} in {source}: the known extras are {', '.join(EXTRA_DEFAULTS)}; "
                f"remove it or correct its spelling"
            )
        if value is not None and value != "":
            values[name] = value
    return values


def normalize_api_path(value: Any, source: str = "the connection") -> str:
    """The API path as ``https://<host>/api/v2/``, or a ConfigurationError saying what is wrong.

    Accepts what BigCommerce shows for a legacy API account, with or without the trailing
    slash, and a bare store origin, to which ``/api/v2/`` is added.
    """
    field_name = f"API Path (host) of {source}"
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{field_name} is empty: paste the API path of the legacy API account, e.g. {EXAMPLE_API_PATH}")
    if value != value.strip():
        raise ConfigurationError(f"{field_name} has leading or trailing spaces: remove them")
    parts = urlsplit(value)
    if parts.scheme.lower() == "http":
        raise ConfigurationError(
            f"{field_name} uses http:// ({value}): BigCommerce is reached over https:// only, and a "
            f"plain http request would send the token in clear; change it to "
            f"{urlunsplit(parts._replace(scheme='https'))}"
        )
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ConfigurationError(f"{field_name} is not a URL: {value!r}; expected the form {EXAMPLE_API_PATH}")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"{field_name} contains a user name or password: remove them from the URL and put them "
            f"in the Username and API Token fields"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{field_name} has a query or fragment ({value}): expected the form {EXAMPLE_API_PATH}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigurationError(f"{field_name} has an invalid port: {value!r}") from None
    path = parts.path.rstrip("/")
    if path.lower() == "/api/v3":
        raise ConfigurationError(
            f"{field_name} points to the v3 API ({value}): legacy API accounts (user name and token) "
            f"work with the v2 API only; use {urlunsplit(('https', parts.netloc, V2_PATH, '', ''))}"
        )
    if path not in ("", "/api/v2"):
        raise ConfigurationError(
            f"{field_name} ends in {parts.path!r}: expected the store's v2 API path, e.g. "
            f"{urlunsplit(('https', parts.netloc, V2_PATH, '', ''))}"
        )
    return urlunsplit(("https", parts.netloc.lower(), V2_PATH, "", ""))


def _require_text(value: Any, field_name: str, source: str, *, secret: bool) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(
            f"{field_name} of {source} is empty: copy it from the store's legacy API account "
            f"(control panel: Settings > Legacy API Accounts)"
        )
    if value != value.strip():
        raise ConfigurationError(f"{field_name} of {source} has leading or trailing spaces: remove them")
    if not secret and ":" in value:
        raise ConfigurationError(f"{field_name} of {source} contains ':', which Basic auth cannot carry in a user name")


def _verify(value: Any, source: str) -> bool | str:
    text = str(value).strip().lower() if isinstance(value, (bool, str)) else None
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        raise ConfigurationError(
            f"Extra 'verify' of {source} is false: this API must be reached over verified TLS; "
            f"remove it, or set it to the path of the CA bundle that signs the server's certificate"
        )
    if isinstance(value, str) and value:
        if not os.path.exists(value):
            raise ConfigurationError(f"Extra 'verify' of {source} names a CA bundle that does not exist: {value!r}")
        return value
    raise ConfigurationError(f"Extra 'verify' of {source} must be true or the path of a CA bundle, not {value!r}")


def _number(value: Any, name: str, source: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not low <= number <= high:
        raise ConfigurationError(f"Extra {name!r} of {source} must be a number from {low:g} to {high:g}, not {value!r}")
    return number


def _integer(value: Any, name: str, source: str, low: int, high: int) -> int:
    number = _number(value, name, source, low, high)
    if number != int(number):
        raise ConfigurationError(f"Extra {name!r} of {source} must be a whole number from {low} to {high}, not {value!r}")
    return int(number)
