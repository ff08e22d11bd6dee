"""The sandbox's HTTPS server: the v2 and v3 APIs of one :class:`~.store.Store`, over real TLS.

Two ways in, as on BigCommerce: a legacy API account (Basic auth) at ``/api/v2/``, and an
OAuth store API account (``X-Auth-Token``) at ``/stores/<hash>/v2/`` and ``/stores/<hash>/v3/``
(see :mod:`.v3`). Besides the data it emulates what a client must cope with: each kind of
credential refused where it does not belong, 401, the rate-limit headers and 429 under a
quota, latency, and injected faults (5xx, reset connections, bodies cut short, 429 without
headers).
"""

from __future__ import annotations

import base64
import hmac
import json
import math
import random
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from airflow_provider_bc.sandbox import v3
from airflow_provider_bc.sandbox.certs import Certificates, make_certificates
from airflow_provider_bc.sandbox.store import QueryError, Store

API_PREFIX = "/api/v2/"
STORE_HASH = "sbx1234"
#: What a server that is not quite the v2 API may answer.
ODD_ANSWERS = {
    "html": (200, "text/html", b"<!doctype html><html><body>Welcome to our shop</body></html>"),
    "object": (200, "application/json", b'{"data": [], "meta": {}}'),
    "empty": (200, "application/json", b""),
}
FAULT_KINDS = ("500", "502", "503", "504", "reset", "truncate", "429", "429-bare")


@dataclass
class Faults:
    """Which share of requests fail, and how; reproducible from ``seed``.

    :param rate: the share of requests that fail, from 0 to 1.
    :param kinds: drawn from evenly: ``500``, ``502``, ``503``, ``504``, ``reset`` (the
        connection is dropped with no answer), ``truncate`` (the body stops half-way),
        ``429`` (with rate-limit headers and ``X-Retry-After``), ``429-bare`` (no headers, as a
        load balancer sends it).
    :param start_after: requests answered normally before faults begin (a pull failing mid-way).
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    retry_after: int = 1
    start_after: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(FAULT_KINDS)}")
        self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        with self._lock:
            if self.start_after > 0:
                self.start_after -= 1
                return None
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            return self._rng.choice(self.kinds)


class _QuotaWindow:
    """The store's shared quota: ``quota`` requests per fixed window, started by the first."""

    def __init__(self, quota: int, window: float) -> None:
        self.quota, self.window = quota, window
        self._start = -math.inf
        self._used = 0
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, dict[str, str]]:
        with self._lock:
            now = time.monotonic()
            if now >= self._start + self.window:
                self._start, self._used = now, 0
            allowed = self._used < self.quota
            self._used += allowed
            reset = max(0.0, self._start + self.window - now)
            headers = {
                "X-Rate-Limit-Requests-Quota": str(self.quota),
                "X-Rate-Limit-Requests-Left": str(self.quota - self._used),
                "X-Rate-Limit-Time-Window-Ms": str(int(self.window * 1000)),
                "X-Rate-Limit-Time-Reset-Ms": str(max(1, int(reset * 1000))),
            }
            if not allowed:
                headers["X-Retry-After"] = str(max(1, math.ceil(reset)))
            return allowed, headers


@dataclass
class ServerStats:
    """What the sandbox saw: for tests to assert on traffic, not only on results."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def begin(self) -> None:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self, status: int | None, fault: str | None = None) -> None:
        with self._lock:
            self.in_flight -= 1
            if status is not None:
                self.statuses[status] += 1
            if fault:
                self.faults[fault] += 1


class SandboxServer:
    """A running emulated store at ``https://127.0.0.1:<port>/api/v2/``.

    :param store: the data (default: a store of 1,000 orders from seed 1).
    :param certs_dir: where the CA and server certificate are written; clients trust
        ``ca_bundle`` from it.
    :param username: the legacy API account's user name.
    :param token: its API token.
    :param oauth_token: the access token of an OAuth store API account, sent as
        ``X-Auth-Token`` to ``oauth_api_path``; None: no OAuth account, every such request is 401.
    :param store_hash: the store hash in ``/stores/<hash>/``.
    :param cursor: offer cursor pagination on the v3 collections that have it.
    :param latency: seconds from a request's arrival to its answer, the sandbox's own work
        included (as a store's latency includes its own), so that requests in flight at once
        are answered at once, however many there are.
    :param quota: requests per ``window`` seconds, shared by every client; None: no limit
        and no rate-limit headers.
    :param faults: injected failures.
    :param redirect_to: answer every request with a 301 to this URL (a moved store).
    :param hosts: names the certificate is valid for.
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        certs_dir: str | Path,
        username: str = "sandbox",
        token: str,
        oauth_token: str | None = None,
        store_hash: str = STORE_HASH,
        cursor: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        quota: int | None = None,
        window: float = 30.0,
        faults: Faults | None = None,
        redirect_to: str | None = None,
        hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
        certificates: Certificates | None = None,
    ) -> None:
        self.store = store or Store()
        self.certificates = certificates or make_certificates(certs_dir, hosts)
        self._expected_auth = "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()
        self._oauth_token = oauth_token
        self.store_hash = store_hash
        self.cursor = cursor
        self.latency = latency
        self.quota = _QuotaWindow(quota, window) if quota else None
        self.faults = faults or Faults()
        self.redirect_to = redirect_to
        self.stats = ServerStats()
        #: Answer 401 to everyone, as after the owner regenerated the token.
        self.reject_all_credentials = False
        #: Collections the account may not read: they answer 403.
        self.forbidden: set[str] = set()
        #: One answer, (status, content type, body), for every authenticated request: odd
        #: servers for the tests, e.g. a web page where the API should be (see ODD_ANSWERS).
        self.canned: tuple[int, str, bytes] | None = None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificates.cert, self.certificates.key)
        self._httpd = _HTTPServer((host, port), _Handler, context, self)
        self.host, self.port = host, self._httpd.server_address[1]
        self.store.base_url = self.api_path
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def api_path(self) -> str:
        return f"{self.origin}{API_PREFIX}"

    @property
    def oauth_api_path(self) -> str:
        """What a store API account's page shows as API Path (``.../stores/<hash>/``)."""
        return f"{self.origin}/stores/{self.store_hash}/"

    @property
    def ca_bundle(self) -> str:
        return str(self.certificates.ca_bundle)

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="bigcommerce-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one request -----------------------------------------------------------------------------

    def handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.stats.begin()
        status: int | None = None
        fault: str | None = None
        try:
            handler.answer_at = time.monotonic() + self.latency
            if self.redirect_to:
                status = 301
                handler.reply(status, b"", {"Location": self.redirect_to}, content_type="text/html")
                return
            api, rest = self._api_of(parts.path)
            if api is None:
                status = 404
                handler.reply_json(status, None)
                return
            if self.reject_all_credentials or not self._authorised(api, handler.headers):
                status = 401
                handler.reply_json(status, _error(api, 401, "You are not authorised to access this resource."))
                return
            if self.canned is not None:
                status, content_type, body = self.canned
                handler.reply(status, body, content_type=content_type)
                return
            fault = self.faults.draw()
            if fault in ("reset", "truncate"):
                status = self._misbehave(handler, fault)
                return
            if fault == "429-bare":
                status = 429
                handler.reply_json(status, _error(api, 429, "Too many requests."))
                return
            headers: dict[str, str] = {}
            if self.quota is not None:
                allowed, headers = self.quota.take()
                if not allowed or fault == "429":
                    if fault == "429" and allowed:
                        headers["X-Retry-After"] = str(self.faults.retry_after)
                    status = 429
                    handler.reply_json(status, _error(api, 429, "You have exceeded your request quota."), headers)
                    return
            elif fault == "429":
                headers = {"X-Retry-After": str(self.faults.retry_after)}
                status = 429
                handler.reply_json(status, _error(api, 429, "You have exceeded your request quota."), headers)
                return
            if fault is not None:
                status = int(fault)
                handler.reply_json(status, _error(api, status, "Internal error (injected by the sandbox)."), headers)
                return
            if api == "v3":
                status, body = v3.route(self.store, [s for s in rest.split("/") if s], query, cursor=self.cursor)
            else:
                status, body = self._route(rest, query)
            handler.reply_json(status, body, headers)
        finally:
            self.stats.end(status, fault)

    def _api_of(self, path: str) -> tuple[str | None, str]:
        """Which API a path is for (``basic``: v2 by legacy account, ``oauth``: v2 by OAuth, ``v3``) and the rest of it."""
        if path.startswith(API_PREFIX):
            return "basic", path[len(API_PREFIX):]
        oauth_prefix = f"/stores/{self.store_hash}/"
        for version, api in (("v2/", "oauth"), ("v3/", "v3")):
            if path.startswith(oauth_prefix + version):
                return api, path[len(oauth_prefix + version):]
        return None, path

    def _authorised(self, api: str, headers: Mapping[str, str]) -> bool:
        if api == "basic":
            return hmac.compare_digest(headers.get("Authorization", "").encode(), self._expected_auth.encode())
        # OAuth paths take the access token only: Basic credentials there are refused.
        if self._oauth_token is None or headers.get("Authorization"):
            return False
        return hmac.compare_digest(headers.get("X-Auth-Token", "").encode(), self._oauth_token.encode())

    def _route(self, rest: str, query: Mapping[str, str]) -> tuple[int, Any]:
        """A v2 request (either way in), by the path below ``/api/v2/`` or ``/stores/<hash>/v2/``."""
        segments = [s for s in rest.split("/") if s]
        if segments:
            segments[-1] = segments[-1].removesuffix(".json")
        store = self.store
        try:
            if segments == ["time"]:
                return 200, {"time": int(time.time())}
            if segments == ["store"]:
                return 200, self._store_info()
            if not segments or segments[0] not in store.collections:
                raise QueryError(404, "The requested resource was not found.")
            name = segments[0]
            if name in self.forbidden:
                raise QueryError(403, "You don't have the required permissions to access this resource.")
            if len(segments) == 1:
                page = store.list_json(name, query)
                return (200, _Encoded(page)) if page is not None else (204, None)
            if len(segments) == 2 and segments[1] == "count":
                return 200, store.count(name, query)
            record_id = _segment_id(segments[1])
            if len(segments) == 2:
                record = store.get(name, record_id)
                if record is None:
                    raise QueryError(404, "The requested resource was not found.")
                return 200, record
            if len(segments) == 3:
                items = store.sub_list(name, record_id, segments[2], query)
                return (200, items) if items else (204, None)
            raise QueryError(404, "The requested resource was not found.")
        except QueryError as exc:
            error: dict[str, Any] = {"status": exc.status, "message": exc.message}
            if exc.details:
                error["details"] = exc.details
            return exc.status, [error]

    def _store_info(self) -> dict[str, Any]:
        return {
            "id": "sandbox",
            "domain": f"{self.host}:{self.port}",
            "secure_url": self.origin,
            "name": self.store.name,
            "first_name": "Sandbox",
            "last_name": "Owner",
            "admin_email": "owner@example.com",
            "order_email": "orders@example.com",
            "plan_name": "Sandbox",
            "currency": "USD",
            "timezone": {"name": "Etc/UTC", "raw_offset": 0, "dst_offset": 0, "dst_correction": False},
        }

    def _misbehave(self, handler: _Handler, fault: str) -> int | None:
        handler.wait_for_answer_time()
        connection = handler.connection
        if fault == "truncate":
            body = json.dumps([{"id": 1, "padding": "x" * 512}]).encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
        # Close with RST and no TLS close_notify: to the client, the connection just died.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        handler.dropped = True
        connection.close()
        return 200 if fault == "truncate" else None


def _error(api: str, status: int, message: str) -> Any:
    """An error body as each API writes it: a v2 list of messages, or a v3 error object."""
    return v3.error(status, message) if api == "v3" else [{"status": status, "message": message}]


class _Encoded(bytes):
    """A body that is JSON already."""


def _segment_id(segment: str) -> int:
    try:
        return int(segment)
    except ValueError:
        raise QueryError(404, "The requested resource was not found.") from None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext, sandbox: SandboxServer) -> None:
        self.context, self.sandbox = context, sandbox
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        # Headers and body go out in separate writes; with Nagle's algorithm and the client's
        # delayed ACK, a small answer would wait 40 ms for nothing.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake happens in the request's own thread, not in the accept loop.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (and the faults we inject) are not errors worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    dropped = False
    answer_at = 0.0  # monotonic time before which no answer goes out (the latency)

    def wait_for_answer_time(self) -> None:
        remaining = self.answer_at - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.do_handshake()
        except (ssl.SSLError, OSError):
            self.close_connection = True
            self.dropped = True

    def handle_one_request(self) -> None:
        if self.dropped:
            self.close_connection = True
            return
        super().handle_one_request()

    def do_GET(self) -> None:  # noqa: N802 - the name http.server looks for
        self.server.sandbox.handle(self)

    def _refuse(self) -> None:
        self.reply_json(405, [{"status": 405, "message": "The sandbox is read-only: only GET is supported."}])

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

    def reply_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        if status == 204:
            self.reply(status, b"", headers)
        elif body is None:
            self.reply(status, b"<html><body><h1>Not Found</h1></body></html>", headers, content_type="text/html")
        elif isinstance(body, _Encoded):
            self.reply(status, body, headers)
        else:
            self.reply(status, json.dumps(body).encode(), headers)

    def reply(self, status: int, payload: bytes, headers: Mapping[str, str] | None = None, *, content_type: str = "application/json") -> None:
        self.wait_for_answer_time()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def finish(self) -> None:
        if self.dropped:
            return
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the tests read ``stats``, and the demo's output stays readable."""
