"""The BigCommerce client: one store, v2 and v3, safe requests, retries, the shared quota, paging.

Knows nothing of Airflow: the hook builds it from a connection, the benchmarks and the
sandbox tests build it directly.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3

from airflow_provider_bc.client import codec
from airflow_provider_bc.client.config import ClientConfig
from airflow_provider_bc.client.errors import (
    BigCommerceError,
    ConfigurationError,
    RateLimitError,
    ServerError,
    TLSError,
    TransportError,
    UnexpectedResponseError,
    error_for_status,
)
from airflow_provider_bc.client.limiter import RateLimiter
from airflow_provider_bc.client.pager import CursorPager, KeysetPager, OffsetPager, ordered_map
from airflow_provider_bc.client.resources import is_v3, relative_path, resource_for_path, scope_for_path
from airflow_provider_bc.client.retry import (
    BODY_EXCEPTIONS,
    RATE_LIMIT_STATUSES,
    RETRY_EXCEPTIONS,
    RETRY_STATUSES,
    RetryPolicy,
    TruncatedBody,
)
from airflow_provider_bc.client.session import BigCommerceSession


class RequestStats:
    """Counters of one client's traffic, safe to update from every worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.throttled = 0

    def sent(self, status: int | None) -> None:
        """One request done: answered with ``status``, or failed below HTTP (None)."""
        with self._lock:
            self.requests += 1
            self.throttled += status in RATE_LIMIT_STATUSES

    def retried(self) -> None:
        with self._lock:
            self.retries += 1


class BigCommerceClient:
    """Requests to one store's API: v2 paths as they are (``orders``), v3 ones as ``v3/...``.

    :param config: the validated store configuration.
    :param policy: the retry policy (default: from ``config.max_retries`` and ``config.retry_backoff``).
    :param limiter: the quota limiter; pass one to share a store's quota between clients.
    :param sleep: how a worker waits before retrying a failure (tests may shorten it).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.session = BigCommerceSession(config)
        self.policy = policy or RetryPolicy(max_retries=config.max_retries, backoff=config.retry_backoff)
        self.limiter = limiter or RateLimiter()
        self.stats = RequestStats()
        self._sleep = sleep
        # Pages and sub-resources are fetched by different pools; together they stay within
        # the configured concurrency.
        self._slots = threading.BoundedSemaphore(config.concurrency)

    def __repr__(self) -> str:
        return f"<BigCommerceClient {self.config.api_path}>"

    def close(self) -> None:
        self.session.close()

    def url_for(self, path: str) -> str:
        """The absolute URL of an API path (``orders``, ``/orders/100/products``, ``v3/catalog/products`` or a link's URL)."""
        config = self.config
        if "://" in path:
            if not any(root and path.startswith(root) for root in (config.api_path, config.v3_path)):
                raise ConfigurationError(
                    f"Refused to send the credentials of {config.source} to {path}: it is not below "
                    f"the store's API path {config.api_path}"
                )
            return path
        relative = relative_path(path)
        if is_v3(relative):
            if config.v3_path is None:
                raise ConfigurationError(
                    f"{relative!r} is in BigCommerce's v3 API, which accepts only OAuth access tokens, and {config.source} "
                    f"is a legacy API account (Basic auth, v2 only): create a store API account (control panel: Settings > "
                    f"Store-level API accounts), then set the connection's API Path to the account's "
                    f"https://api.bigcommerce.com/stores/<store hash>/ and its API Token to the access token"
                )
            return config.v3_path + relative[len("v3/"):]
        return config.api_path + relative

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, decode: Callable[[bytes], Any] = codec.loads) -> Any:
        """The parsed JSON of one GET, or None for 204; retried as the policy allows.

        :param decode: how the body is parsed (``codec.raw_records`` keeps the records' own bytes).
        """
        url = self.url_for(path)
        shown = f"GET {url}" + (f"?{urlencode(params)}" if params else "")
        failures: Counter[str] = Counter()
        for attempt in itertools.count(1):
            headers: Mapping[str, str] | None = None
            response: requests.Response | None = None
            try:
                with self._slots:
                    self.limiter.acquire()
                    try:
                        # One read of the whole body: requests' default 10 KB chunks cost more
                        # CPU than the TLS itself. urllib3 returns the connection to the pool
                        # once the body has been read to its end.
                        response = self.session.get(url, params=params, stream=True)
                        body = response.raw.read(decode_content=True)
                    finally:
                        self.limiter.release(response.headers if response is not None else None)
            except requests.exceptions.SSLError as exc:
                raise TLSError(_tls_message(exc, url, self.config)) from None
            except RETRY_EXCEPTIONS as exc:
                self.stats.sent(None)
                failure, kind = _describe_exception(exc), TransportError
            else:
                status = response.status_code
                self.stats.sent(status)
                if 200 <= status < 300:
                    try:
                        return self._parse(response, body, shown, decode)
                    except TruncatedBody:
                        failure, kind = f"{status} with a body that is not complete JSON", TransportError
                elif status in RATE_LIMIT_STATUSES:
                    failure, kind, headers = str(status), RateLimitError, response.headers
                elif status in RETRY_STATUSES:
                    failure, kind = str(status), ServerError
                elif 300 <= status < 400:
                    raise ConfigurationError(
                        f"BigCommerce answered {status} to {shown}, redirecting to {response.headers.get('Location')!r}; "
                        f"the redirect was not followed, so as not to send the credentials elsewhere: set the API Path "
                        f"of {self.config.source} to the store's current API path"
                    )
                else:
                    raise error_for_status(status, request=shown, body=body, source=self.config.source,
                                           auth=self.config.auth or "basic", scope=scope_for_path(path))
            failures[failure] += 1
            if attempt > self.policy.max_retries:
                raise _final_error(kind, shown, attempt, failures, self.config)
            delay = self.policy.delay(attempt, headers)
            self.stats.retried()
            if headers is not None:
                self.limiter.pause(delay)  # the whole pull waits, not just this worker
            else:
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def get_list(self, path: str, params: Mapping[str, Any] | None = None, *, raw: bool = False) -> list[Any]:
        """One page of a collection: a list of records, [] where the store answers 204 (v2) or ``data: []`` (v3).

        :param raw: records as :class:`~airflow_provider_bc.client.codec.RawRecord` (the API's
            own bytes and the id) instead of dicts.
        """
        if is_v3(path):
            return self.get_page(path, params, raw=raw)[0]
        data = self.get(path, params, decode=codec.raw_records if raw else codec.loads)
        if data is None:
            return []
        if not isinstance(data, list):
            raise UnexpectedResponseError(
                f"Expected a list of records from GET {self.url_for(path)}, got a JSON {type(data).__name__}: "
                f"is {path!r} a collection?"
            )
        return data

    def get_page(self, path: str, params: Mapping[str, Any] | None = None, *, raw: bool = False) -> tuple[list[Any], dict[str, Any]]:
        """One page of a v3 collection: its records (``data``; RawRecords where ``raw``) and its ``meta``."""
        body = self.get(path, params, decode=codec.raw_page if raw else codec.loads)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise UnexpectedResponseError(
                f"Expected {{\"data\": [...], \"meta\": {{...}}}} from GET {self.url_for(path)}, got {str(body)[:200]!r}: "
                f"is {path!r} a v3 collection?"
            )
        meta = body.get("meta")
        return body["data"], meta if isinstance(meta, dict) else {}

    def count(self, path: str, params: Mapping[str, Any] | None = None) -> int:
        """How many records of a collection match ``params`` (v2 ``<path>/count``, v3 ``meta.pagination.total``)."""
        if is_v3(path):
            _, meta = self.get_page(path, dict(params or {}, limit=1))
            total = (meta.get("pagination") or {}).get("total")
            if not isinstance(total, int):
                raise UnexpectedResponseError(f"Expected meta.pagination.total from GET {self.url_for(path)}, got {str(meta)[:200]!r}")
            return total
        data = self.get(path.rstrip("/") + "/count", params)
        if not isinstance(data, dict) or not isinstance(data.get("count"), int):
            raise UnexpectedResponseError(f"Expected {{\"count\": N}} from GET {self.url_for(path)}/count, got {str(data)[:200]!r}")
        return data["count"]

    def paginate(self, path: str, params: Mapping[str, Any] | None = None, *, raw: bool = False) -> KeysetPager | OffsetPager | CursorPager:
        """Every record of a collection once, paged as the collection allows.

        Ascending by id where the collection has an id range filter (every v2 collection that
        can be paged by id, v3 catalog collections); in the resource's fixed order otherwise.
        The returned pager is an iterable of records (dicts, or with ``raw`` RawRecords, which
        writers take as they are) that also counts ``pages`` and ``records``.
        """
        resource = resource_for_path(path)
        self.url_for(path)  # a v3 path on a legacy account fails here, before any request

        def fetch(page_params: dict[str, Any]) -> list[Any]:
            return self.get_list(path, page_params, raw=raw)

        if resource.version == 3 and not resource.keyset:
            return CursorPager(lambda page_params: self.get_page(path, page_params, raw=raw), params, order=dict(resource.order), name=resource.name)
        if not resource.keyset:
            return OffsetPager(fetch, params)
        count = (lambda filters: self.count(path, filters)) if resource.countable else None
        return KeysetPager(fetch, params, count=count, concurrency=self.config.concurrency,
                           id_filters=resource.id_filters, order=dict(resource.order))

    def embed(self, records: Iterable[dict[str, Any]], include: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Each record with the sub-resources named in ``include`` fetched in place of their links.

        An order's ``"products": {"url": ..., "resource": "/orders/1/products"}`` becomes the
        list of its line items. Records are expanded concurrently and yielded in input order.
        """

        def expand(record: dict[str, Any]) -> dict[str, Any]:
            for name in include:
                link = record.get(name)
                if isinstance(link, dict) and isinstance(link.get("resource"), str):
                    record[name] = list(self.paginate(link["resource"]))
            return record

        return ordered_map(expand, records, self.config.concurrency)

    def _parse(self, response: requests.Response, body: bytes, shown: str, decode: Callable[[bytes], Any]) -> Any:
        if response.status_code == 204:
            return None
        if not body:
            raise UnexpectedResponseError(f"BigCommerce answered {response.status_code} with an empty body to {shown}; expected JSON")
        content_type = response.headers.get("Content-Type", "")
        if "json" not in content_type:
            what = "an HTML page" if "html" in content_type else f"{content_type or 'a body with no content type'}"
            raise UnexpectedResponseError(
                f"BigCommerce answered {what} instead of JSON to {shown}: check that the API Path of "
                f"{self.config.source} is the store's API path ({self.config.api_path})"
            )
        try:
            return decode(body)
        except ValueError:
            raise TruncatedBody() from None


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, (requests.Timeout, urllib3.exceptions.ReadTimeoutError)):
        return "timeout"
    if isinstance(exc, BODY_EXCEPTIONS):
        return "body cut short"
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "reset" in text or "aborted" in text or "remotedisconnected" in text or "closed" in text:
        return "connection reset"
    return "connection error"


def _final_error(
    kind: type[BigCommerceError], shown: str, attempts: int, failures: Counter[str], config: ClientConfig
) -> BigCommerceError:
    seen = ", ".join(f"{what} x{n}" for what, n in failures.most_common())
    head = f"{shown} failed on all {attempts} attempts ({seen})"
    if kind is RateLimitError:
        advice = (
            f"the store's rate limit stayed exhausted, perhaps by other clients of the store; "
            f"lower extra 'concurrency' of {config.source} or run later"
        )
    elif kind is ServerError:
        advice = f"the store is failing; run again later, or raise extra 'max_retries' of {config.source}"
    else:
        advice = (
            f"check the network path to {urlsplit(config.api_path).netloc}; raise extra 'timeout' of "
            f"{config.source} if the store answers slowly"
        )
    return kind(f"{head}: {advice}")


def _tls_message(exc: BaseException, url: str, config: ClientConfig) -> str:
    host = urlsplit(url).hostname
    text = str(exc)
    trust = f"the CA bundle {config.verify!r} (extra 'verify')" if isinstance(config.verify, str) else "the system's trusted CAs"
    if "mismatch" in text or "doesn't match" in text or "not valid for" in text:
        reason = f"the server's certificate is not valid for the host name {host!r}"
    elif "expired" in text:
        reason = f"the server's certificate for {host!r} has expired"
    elif "CERTIFICATE_VERIFY_FAILED" in text or "self-signed" in text or "self signed" in text or "unknown ca" in text:
        reason = f"the server's certificate for {host!r} is not signed by {trust}"
    else:
        reason = f"the TLS handshake with {host!r} failed"
    return (
        f"TLS verification failed for {url}: {reason}. If the store is reached through a proxy with its own CA, "
        f"set extra 'verify' of {config.source} to that CA's bundle"
    )
