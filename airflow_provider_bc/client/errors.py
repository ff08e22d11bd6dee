"""One exception per kind of failure, each with a message that says what to do.

Messages name the connection, field, path or status involved and never contain the
token or the Authorization header: they end up in task logs and in the UI.
"""

from __future__ import annotations

import json
from typing import Any

# Airflow reports its own exceptions as task failures with a clean message; the client also
# works where Airflow is not installed (a notebook, the benchmarks).
try:
    from airflow.sdk.exceptions import AirflowException as _Base
except ImportError:  # pragma: no cover - Airflow 3.1 or no Airflow at all
    try:
        from airflow.exceptions import AirflowException as _Base
    except ImportError:
        _Base = Exception  # type: ignore[misc,assignment]


class BigCommerceError(_Base):
    """Base of every error raised by this provider's BigCommerce client."""


class ConfigurationError(BigCommerceError):
    """The connection (or an argument) is unusable as given; nothing was sent."""


class AuthenticationError(BigCommerceError):
    """401: the store rejected the user name or token."""


class PermissionDeniedError(BigCommerceError):
    """403: the API account lacks the permission for this resource."""


class NotFoundError(BigCommerceError):
    """404: no such resource or record on this store."""


class BadRequestError(BigCommerceError):
    """400, 413, 422: the store refused the request's parameters."""


class RateLimitError(BigCommerceError):
    """429 or 509 persisted past every retry."""


class ServerError(BigCommerceError):
    """5xx persisted past every retry."""


class TransportError(BigCommerceError):
    """Connection refused, reset, timed out or a body cut short, past every retry."""


class TLSError(BigCommerceError):
    """The TLS handshake failed: untrusted certificate, wrong host name, bad CA bundle."""


class UnexpectedResponseError(BigCommerceError):
    """The store answered something that is not the JSON this endpoint returns."""


def api_message(body: bytes | str | None) -> str:
    """The human part of a BigCommerce error body.

    v2 writes ``[{"status": N, "message": "...", "details": {...}}]``; v3 writes
    ``{"status": N, "title": "...", "type": "...", "errors": {"field": "..."}}``.
    """
    if not body:
        return ""
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return ""
    items = parsed if isinstance(parsed, list) else [parsed]
    messages = []
    for item in items:
        if isinstance(item, dict) and (item.get("message") or item.get("title")):
            text = str(item.get("message") or item["title"])
            details = item.get("details") or item.get("errors")
            if isinstance(details, dict) and details:
                text += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(details.items())) + ")"
            messages.append(text)
    return "; ".join(messages)


def error_for_status(
    status: int, *, request: str, body: bytes, source: str, auth: str = "basic", scope: str = ""
) -> BigCommerceError:
    """The exception for a final, non-retried error status, with advice for the user.

    :param request: the request as users should see it, e.g. ``GET https://.../orders?limit=250``.
    :param auth: the kind of account, ``basic`` or ``oauth``: the advice differs.
    :param scope: the OAuth scope the resource needs, where known.
    """
    said = api_message(body)
    suffix = f": {said}" if said else ""
    where = request
    if status == 401:
        if auth == "oauth":
            return AuthenticationError(
                f"BigCommerce answered 401 to {where}: the token was rejected; the store API account may have been "
                f"deleted, or the API Token of {source} is not its access token (or belongs to another store): update "
                f"{source} with the access token (control panel: Settings > Store-level API accounts){suffix}"
            )
        return AuthenticationError(
            f"BigCommerce answered 401 to {where}: the token was rejected; it may have been "
            f"regenerated or the legacy API account deleted: update {source} with the current "
            f"user name and API token (control panel: Settings > Legacy API Accounts){suffix}"
        )
    if status == 403:
        if auth == "oauth":
            needs = f"the OAuth scope {scope!r}" if scope else "the OAuth scope for this resource"
            return PermissionDeniedError(
                f"BigCommerce answered 403 to {where}: the store API account of {source} lacks {needs}; "
                f"ask the store owner to add it to the account (Settings > Store-level API accounts){suffix}"
            )
        return PermissionDeniedError(
            f"BigCommerce answered 403 to {where}: the API account of {source} may not read this "
            f"resource; ask the store owner to grant it{suffix}"
        )
    if status == 404:
        return NotFoundError(
            f"BigCommerce answered 404 to {where}: no such resource or record on this store; "
            f"check the resource name and the API path of {source}{suffix}"
        )
    if status in (400, 413, 422):
        return BadRequestError(f"BigCommerce refused {where} with {status}{suffix}")
    if status in (429, 509):
        return RateLimitError(f"BigCommerce kept rate-limiting {where} ({status}){suffix}")
    if status >= 500:
        return ServerError(f"BigCommerce answered {status} to {where}{suffix}")
    return UnexpectedResponseError(f"BigCommerce answered {status} to {where}, which this client does not handle{suffix}")
