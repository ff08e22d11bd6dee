"""What a client needs to reach one store, validated before any request is made.

A store is reached with one of two kinds of account, told apart by extra ``auth`` or, where
it is not set, by the API path:

- ``basic``: a legacy API account (user name and API token, HTTP Basic auth), at the store's
  own ``https://store-xxxx.mybigcommerce.com/api/v2/``; the v2 API only.
- ``oauth``: a store API account (an access token, sent as ``X-Auth-Token``), at
  ``https://api.bigcommerce.com/stores/<store hash>/``; both the v2 and the v3 APIs. The API
  Path may also be just the store hash.

Every mistake a user can make in a connection is caught here, with a message that names the
field and says what to write instead; nothing reaches the network until the whole
configuration is sound.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_bc.client.errors import ConfigurationError

EXAMPLE_API_PATH = "https://store-xxxx.mybigcommerce.com/api/v2/"
EXAMPLE_OAUTH_PATH = "https://api.bigcommerce.com/stores/abc123/"
OAUTH_HOST = "api.bigcommerce.com"
V2_PATH = "/api/v2/"
AUTH_MODES = ("basic", "oauth")
_STORE_HASH = re.compile(r"[a-z0-9]{1,32}")
_OAUTH_PATH = re.compile(r"/stores/(?P<hash>[^/]+)(?:/(?:v2|v3))?/?", re.IGNORECASE)

#: Connection extras and their defaults. The UI may store them with the legacy
#: ``extra__bigcommerce__`` prefix; both spellings are read.
EXTRA_DEFAULTS: dict[str, Any] = {
    "auth": None,  # inferred from the API path
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

    :param api_path: the API path as the store shows it: a legacy account's v2 root, a store
        API account's ``https://api.bigcommerce.com/stores/<hash>/`` (or only its hash);
        normalised to the v2 root it names (``.../api/v2/`` or ``.../stores/<hash>/v2/``).
    :param username: the legacy API account's user name; for OAuth, optionally the account's
        client ID (sent as ``X-Auth-Client``).
    :param token: the API token or OAuth access token; kept out of ``repr``.
    :param auth: ``basic`` or ``oauth``; None: inferred from ``api_path``.
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
    auth: str | None = None
    verify: bool | str = True
    timeout: float = EXTRA_DEFAULTS["timeout"]
    concurrency: int = EXTRA_DEFAULTS["concurrency"]
    max_retries: int = EXTRA_DEFAULTS["max_retries"]
    retry_backoff: float = EXTRA_DEFAULTS["retry_backoff"]
    source: str = "the connection"
    #: The v3 root (``.../stores/<hash>/v3/``) where the account is OAuth; None for Basic auth.
    v3_path: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        auth, v2_path, v3_path = resolve_api_paths(self.api_path, self.auth, self.source)
        object.__setattr__(self, "auth", auth)
        object.__setattr__(self, "api_path", v2_path)
        object.__setattr__(self, "v3_path", v3_path)
        if auth == "basic":
            _require_text(self.username, "Username (login)", self.source, secret=False)
            _require_text(self.token, "API Token (password)", self.source, secret=True)
        else:
            if self.username and (self.username != self.username.strip() or ":" in self.username):
                raise ConfigurationError(f"Username (login) of {self.source} should be empty or the OAuth account's client ID, not {self.username!r}")
            _require_text(self.token, "API Token (password)", self.source, secret=True, account="store API account's access token")
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


def resolve_api_paths(value: Any, auth: Any, source: str = "the connection") -> tuple[str, str, str | None]:
    """The kind of account, its v2 root and its v3 root (None for Basic auth).

    ``auth`` None infers the kind from the path: ``/stores/<hash>/`` (as on
    ``api.bigcommerce.com``) is OAuth, anything else a legacy account.
    """
    if auth is not None and (not isinstance(auth, str) or auth.strip().lower() not in AUTH_MODES):
        raise ConfigurationError(
            f"Extra 'auth' of {source} must be 'basic' (a legacy API account) or 'oauth' (a store API account), not {auth!r}"
        )
    mode = auth.strip().lower() if isinstance(auth, str) else None
    if mode == "oauth" and isinstance(value, str) and _STORE_HASH.fullmatch(value.lower()):
        return _oauth(f"https://{OAUTH_HOST}/stores/{value.lower()}/")
    field_name = f"API Path (host) of {source}"
    parts = _https_url(value, field_name, EXAMPLE_OAUTH_PATH if mode == "oauth" else EXAMPLE_API_PATH)
    oauth_path = _OAUTH_PATH.fullmatch(parts.path)
    if oauth_path:
        store_hash = oauth_path["hash"].lower()
        if mode == "basic":
            raise ConfigurationError(
                f"{field_name} is a store API account's path ({value}), which takes an OAuth access token, but extra "
                f"'auth' is 'basic': set 'auth' to 'oauth' (or remove it) and put the access token in API Token, or "
                f"use the legacy account's API path, e.g. {EXAMPLE_API_PATH}"
            )
        if not _STORE_HASH.fullmatch(store_hash):
            raise ConfigurationError(f"{field_name} has {oauth_path['hash']!r} where the store hash belongs; expected e.g. {EXAMPLE_OAUTH_PATH}")
        return _oauth(urlunsplit(("https", parts.netloc.lower(), f"/stores/{store_hash}/", "", "")))
    if mode == "oauth":
        raise ConfigurationError(
            f"{field_name} is {value!r}, but extra 'auth' is 'oauth': an OAuth access token is used at "
            f"https://{OAUTH_HOST}/stores/<store hash>/ (the API path the store API account shows, e.g. "
            f"{EXAMPLE_OAUTH_PATH}), or give just the store hash"
        )
    return "basic", _v2_root(parts, value, field_name), None


def _oauth(root: str) -> tuple[str, str, str]:
    """A store API account's kind and roots, from ``https://<host>/stores/<hash>/``."""
    return "oauth", root + "v2/", root + "v3/"


def _https_url(value: Any, field_name: str, example: str) -> Any:
    """``value`` split as an https URL with a host and nothing the API path cannot have."""
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{field_name} is empty: paste the API path of the API account, e.g. {example}")
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
        raise ConfigurationError(f"{field_name} is not a URL: {value!r}; expected the form {example}")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"{field_name} contains a user name or password: remove them from the URL and put them "
            f"in the Username and API Token fields"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{field_name} has a query or fragment ({value}): expected the form {example}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigurationError(f"{field_name} has an invalid port: {value!r}") from None
    return parts


def normalize_api_path(value: Any, source: str = "the connection") -> str:
    """The API path as ``https://<host>/api/v2/``, or a ConfigurationError saying what is wrong.

    Accepts what BigCommerce shows for a legacy API account, with or without the trailing
    slash, and a bare store origin, to which ``/api/v2/`` is added.
    """
    field_name = f"API Path (host) of {source}"
    return _v2_root(_https_url(value, field_name, EXAMPLE_API_PATH), value, field_name)


def _v2_root(parts: Any, value: str, field_name: str) -> str:
    """The v2 root of a legacy account's API path, already split by :func:`_https_url`."""
    path = parts.path.rstrip("/")
    if path.lower() == "/api/v3":
        raise ConfigurationError(
            f"{field_name} points to the v3 API ({value}): legacy API accounts (user name and token) "
            f"work with the v2 API only; use {urlunsplit(('https', parts.netloc, V2_PATH, '', ''))}, or, for v3, "
            f"a store API account (OAuth) at {EXAMPLE_OAUTH_PATH}"
        )
    if path not in ("", "/api/v2"):
        raise ConfigurationError(
            f"{field_name} ends in {parts.path!r}: expected the store's v2 API path, e.g. "
            f"{urlunsplit(('https', parts.netloc, V2_PATH, '', ''))}"
        )
    return urlunsplit(("https", parts.netloc.lower(), V2_PATH, "", ""))


def _require_text(value: Any, field_name: str, source: str, *, secret: bool, account: str = "") -> None:
    if not isinstance(value, str) or not value:
        where = (
            f"the {account} (control panel: Settings > Store-level API accounts)" if account
            else "the store's legacy API account (control panel: Settings > Legacy API Accounts)"
        )
        raise ConfigurationError(f"{field_name} of {source} is empty: copy it from {where}")
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
