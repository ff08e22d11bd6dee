"""The sandbox's data: deterministic records from a seed, and the queries of the v2 API.

Records are not stored: each is built from its id, its creation and modification times and a
version number, so 200,000 orders cost a few arrays of integers. Queries keep the v2 API's
semantics: inclusive id and date bounds, ascending id order unless ``sort`` says otherwise,
``page``/``limit`` at most 250.
"""

from __future__ import annotations

import bisect
import calendar
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

MAX_LIMIT = 250
DEFAULT_LIMIT = 50
DAY = 86_400

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ORDER_STATUSES = (
    (0, "Incomplete"), (1, "Pending"), (2, "Shipped"), (3, "Partially Shipped"), (4, "Refunded"),
    (5, "Cancelled"), (6, "Declined"), (7, "Awaiting Payment"), (8, "Awaiting Pickup"),
    (9, "Awaiting Shipment"), (10, "Completed"), (11, "Awaiting Fulfillment"),
    (12, "Manual Verification Required"), (13, "Disputed"), (14, "Partially Refunded"),
)
_ORDER_STATUS_WEIGHTS = (1, 2, 2, 5, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 9)
_FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus")
_LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Wirth")
_CITIES = (("Austin", "Texas", "78701"), ("Sydney", "New South Wales", "2000"), ("London", "", "EC1A 1BB"),
           ("Toronto", "Ontario", "M5H 2N2"), ("Berlin", "", "10115"))
_COUNTRIES = (("AU", "Australia"), ("CA", "Canada"), ("DE", "Germany"), ("GB", "United Kingdom"), ("US", "United States"))


class QueryError(Exception):
    """A request the real API would refuse: status, message and optional details."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


def rfc2822(epoch: int) -> str:
    """A response date as the v2 API writes it: ``Tue, 20 Nov 2012 00:00:00 +0000``."""
    t = datetime.fromtimestamp(epoch, timezone.utc)
    return f"{_WEEKDAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year} {t:%H:%M:%S} +0000"


def parse_date(name: str, value: str) -> int:
    """An input date (RFC 2822 or ISO 8601) as epoch seconds, truncated to the second."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise QueryError(400, f"The field '{name}' is invalid: {value!r} is not an RFC 2822 or ISO 8601 date.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() // 1)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}00"


def _hash(*parts: Any) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


@dataclass
class Collection:
    """One resource's records, in id order: ids, times and versions, built into dicts on demand."""

    name: str
    build: Callable[[Store, int, int, int, int], dict[str, Any]]  # (store, id, created, modified, version)
    filters: frozenset[str] = frozenset()
    ids: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    modified: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    alive: list[bool] = field(default_factory=list)
    #: Each record's JSON, built on first use and dropped when it changes: serving a page is
    #: then a join, so the sandbox keeps ahead of any client.
    encoded: list[bytes | None] = field(default_factory=list)

    def add(self, record_id: int, created: int, modified: int) -> None:
        self.ids.append(record_id)
        self.created.append(created)
        self.modified.append(modified)
        self.versions.append(0)
        self.alive.append(True)
        self.encoded.append(None)

    def position(self, record_id: int) -> int | None:
        pos = bisect.bisect_left(self.ids, record_id)
        if pos < len(self.ids) and self.ids[pos] == record_id and self.alive[pos]:
            return pos
        return None

    def record(self, store: Store, pos: int) -> dict[str, Any]:
        return self.build(store, self.ids[pos], self.created[pos], self.modified[pos], self.versions[pos])

    def record_json(self, store: Store, pos: int) -> bytes:
        data = self.encoded[pos]
        if data is None:
            data = self.encoded[pos] = json.dumps(self.record(store, pos), separators=(",", ":")).encode()
        return data


#: Filters by the API's names; each collection accepts the ones listed for it.
ID_FILTERS = frozenset({"min_id", "max_id"})
DATE_FILTERS = frozenset({"min_date_created", "max_date_created", "min_date_modified", "max_date_modified"})


class Store:
    """A whole emulated store: its collections, its sub-resources and the changes made to it.

    :param seed: makes every record and every time reproducible.
    :param orders: how many orders (customers default to a quarter of them, at least 50).
    :param start: epoch seconds of the first order; orders spread over ``span_days``.
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        orders: int = 1_000,
        customers: int | None = None,
        products: int = 200,
        start: int = calendar.timegm((2026, 1, 1, 0, 0, 0)),
        span_days: int = 30,
        name: str = "Sandbox Store",
    ) -> None:
        self.seed, self.start, self.span = seed, start, span_days * DAY
        self.name = name
        #: The API path records link to; the server sets it to where it listens.
        self.base_url = "https://127.0.0.1/api/v2/"
        self.lock = threading.RLock()
        self.state = 0  # bumped by every change, so cached query results are never stale
        self._cache: dict[tuple[Any, ...], list[int]] = {}
        self.products_count = products
        self.collections: dict[str, Collection] = {}
        self._make("orders", _order, ID_FILTERS | DATE_FILTERS | {"status_id", "customer_id"}, orders, first_id=100)
        self._make("customers", _customer, ID_FILTERS | DATE_FILTERS | {"email"}, customers or max(50, orders // 4))
        self._make("products", _product, ID_FILTERS | DATE_FILTERS, products)
        self._make("categories", _category, ID_FILTERS, 20)
        self._make("brands", _brand, ID_FILTERS, 12)
        self._make("coupons", _coupon, ID_FILTERS, 15)
        self._make("customer_groups", _customer_group, frozenset(), 3)
        self._make("order_statuses", _order_status, frozenset(), len(ORDER_STATUSES), first_id=0)
        self._make("countries", _country, frozenset(), len(_COUNTRIES))
        self._make("tax_classes", _tax_class, frozenset(), 3)
        #: Called (with the store) before each list request is answered: tests change data here.
        self.before_list: Callable[[Store, str, Mapping[str, str]], None] | None = None

    def _make(self, name: str, build: Callable[..., dict[str, Any]], filters: frozenset[str], n: int, first_id: int = 1) -> None:
        collection = Collection(name, build, frozenset(filters))
        gap = max(1, self.span // max(n, 1))
        for i in range(n):
            created = self.start + (i * self.span) // max(n, 1) + _hash(self.seed, name, i, "c") % gap
            h = _hash(self.seed, name, i, "m")
            # Four in ten records are never modified after creation; the rest within three days.
            modified = created if h % 10 < 4 else created + 60 + (h >> 8) % (3 * DAY)
            collection.add(first_id + i, created, modified)
        self.collections[name] = collection

    # -- changes, for tests that alter the store under a running pull --------------------------

    def modify(self, name: str, record_id: int, at: int) -> None:
        """Give a record a new version and ``date_modified``."""
        with self.lock:
            collection, pos = self._existing(name, record_id)
            collection.modified[pos] = at
            collection.versions[pos] += 1
            collection.encoded[pos] = None
            self.state += 1

    def create(self, name: str, at: int) -> int:
        """A new record, created and modified at ``at``; returns its id."""
        with self.lock:
            collection = self.collections[name]
            record_id = (collection.ids[-1] + 1) if collection.ids else 1
            collection.add(record_id, at, at)
            self.state += 1
            return record_id

    def delete(self, name: str, record_id: int) -> None:
        with self.lock:
            collection, pos = self._existing(name, record_id)
            collection.alive[pos] = False
            self.state += 1

    def _existing(self, name: str, record_id: int) -> tuple[Collection, int]:
        collection = self.collections[name]
        pos = collection.position(record_id)
        if pos is None:
            raise KeyError(f"{name} {record_id} does not exist")
        return collection, pos

    def records(self, name: str, **filters: Any) -> list[dict[str, Any]]:
        """Every live record of a collection that matches ``filters`` (epoch seconds for dates)."""
        query = {k: rfc2822(v) if k in DATE_FILTERS and isinstance(v, int) else str(v) for k, v in filters.items()}
        with self.lock:
            collection = self.collections[name]
            return [collection.record(self, pos) for pos in self._match(collection, query)]

    # -- queries ---------------------------------------------------------------------------------

    def list_json(self, name: str, query: Mapping[str, str]) -> bytes | None:
        """One page of a collection as ``GET /<name>?query`` answers it, or None where it is empty (204)."""
        collection = self.collections[name]
        with self.lock:
            positions = self._page(collection, query)
            if not positions:
                return None
            return b"[" + b",".join(collection.record_json(self, pos) for pos in positions) + b"]"

    def _page(self, collection: Collection, query: Mapping[str, str]) -> list[int]:
        if self.before_list is not None:
            self.before_list(self, collection.name, query)
        start, end = _page_bounds(query)
        return self.select(collection.name, query)[start:end]

    def select(self, name: str, query: Mapping[str, str]) -> list[int]:
        """Positions of the live records matching ``query``'s filters, in the order of its ``sort`` (default: id)."""
        collection = self.collections[name]
        with self.lock:
            positions = self._match(collection, query)
            sort = query.get("sort")
            return self._sorted(collection, positions, sort) if sort else positions

    def count(self, name: str, query: Mapping[str, str]) -> dict[str, Any]:
        collection = self.collections[name]
        with self.lock:
            positions = self._match(collection, query)
            result: dict[str, Any] = {"count": len(positions)}
            if name == "orders":
                by_status: dict[int, int] = {}
                for pos in positions:
                    status_id = _order_status_id(self, collection.ids[pos], collection.versions[pos])
                    by_status[status_id] = by_status.get(status_id, 0) + 1
                result["statuses"] = [
                    {"id": sid, "name": sname, "count": by_status.get(sid, 0)} for sid, sname in ORDER_STATUSES
                ]
            return result

    def get(self, name: str, record_id: int) -> dict[str, Any] | None:
        collection = self.collections[name]
        with self.lock:
            pos = collection.position(record_id)
            return None if pos is None else collection.record(self, pos)

    def _match(self, collection: Collection, query: Mapping[str, str]) -> list[int]:
        """Positions of the live records that match ``query``, ascending by id."""
        paging = {"page", "limit", "sort"}
        unknown = set(query) - collection.filters - paging
        if unknown:
            raise QueryError(400, f"The filter '{sorted(unknown)[0]}' is not supported for {collection.name}.")
        bounds = {k: v for k, v in query.items() if k in DATE_FILTERS}
        others = {k: v for k, v in query.items() if k not in paging and k not in ID_FILTERS and k not in DATE_FILTERS}
        key = (collection.name, self.state, tuple(sorted(bounds.items())), tuple(sorted(others.items())))
        positions = self._cache.get(key)
        if positions is None:
            positions = self._scan(collection, bounds, others)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = positions
        low = _int_param(query, "min_id", None, minimum=0)
        high = _int_param(query, "max_id", None, minimum=0)
        if low is None and high is None:
            return positions
        ids = collection.ids
        start = 0 if low is None else bisect.bisect_left(positions, bisect.bisect_left(ids, low))
        end = len(positions) if high is None else bisect.bisect_right(positions, bisect.bisect_right(ids, high) - 1)
        return positions[start:end]

    def _scan(self, collection: Collection, bounds: Mapping[str, str], others: Mapping[str, str]) -> list[int]:
        dates = {k: parse_date(k, v) for k, v in bounds.items()}
        lo_c, hi_c = dates.get("min_date_created"), dates.get("max_date_created")
        lo_m, hi_m = dates.get("min_date_modified"), dates.get("max_date_modified")
        created, modified, alive = collection.created, collection.modified, collection.alive
        positions = [
            pos for pos in range(len(collection.ids))
            if alive[pos]
            and (lo_c is None or created[pos] >= lo_c) and (hi_c is None or created[pos] <= hi_c)
            and (lo_m is None or modified[pos] >= lo_m) and (hi_m is None or modified[pos] <= hi_m)
        ]
        for name, value in others.items():
            positions = [pos for pos in positions if str(collection.record(self, pos).get(name)) == value]
        return positions

    def _sorted(self, collection: Collection, positions: list[int], sort: str) -> list[int]:
        field_name, _, direction = sort.partition(":")
        keys = {"id": collection.ids, "date_created": collection.created, "date_modified": collection.modified}
        if field_name not in keys or direction not in ("", "asc", "desc"):
            raise QueryError(400, f"The sort '{sort}' is not supported.")
        values = keys[field_name]
        return sorted(positions, key=lambda pos: (values[pos], collection.ids[pos]), reverse=direction == "desc")

    # -- sub-resources ---------------------------------------------------------------------------

    def sub_list(self, name: str, record_id: int, sub: str, query: Mapping[str, str]) -> list[dict[str, Any]]:
        """A page of ``/<name>/<id>/<sub>``; QueryError 404 where the parent does not exist."""
        builders = _SUB_RESOURCES.get((name, sub))
        record = self.get(name, record_id) if builders else None
        if record is None:
            raise QueryError(404, "The requested resource was not found.")
        unknown = set(query) - {"page", "limit"}
        if unknown:
            raise QueryError(400, f"The filter '{sorted(unknown)[0]}' is not supported for {name}/{sub}.")
        start, end = _page_bounds(query)
        return builders(self, record)[start:end]


def _page_bounds(query: Mapping[str, str]) -> tuple[int, int]:
    """The slice that ``page`` and ``limit`` select; 413 above the maximum limit, as the API answers."""
    limit = _int_param(query, "limit", DEFAULT_LIMIT, minimum=1)
    if limit > MAX_LIMIT:
        raise QueryError(413, f"The limit of {limit} exceeds the maximum of {MAX_LIMIT}.", {"max_limit": MAX_LIMIT})
    page = _int_param(query, "page", 1, minimum=1)
    return (page - 1) * limit, page * limit


def _int_param(query: Mapping[str, str], name: str, default: int | None, *, minimum: int) -> Any:
    value = query.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise QueryError(400, f"The field '{name}' is invalid: {value!r} is not a whole number.") from None
    if number < minimum:
        raise QueryError(400, f"The field '{name}' must be {minimum} or more.")
    return number


# -- record builders ------------------------------------------------------------------------------

def _link(store: Store, path: str) -> dict[str, str]:
    return {"url": f"{store.base_url}{path.lstrip('/')}", "resource": path}


def _order_status_id(store: Store, order_id: int, version: int) -> int:
    return _ORDER_STATUS_WEIGHTS[_hash(store.seed, "status", order_id, version) % len(_ORDER_STATUS_WEIGHTS)]


def _line_items(store: Store, order: dict[str, Any]) -> list[dict[str, Any]]:
    order_id = order["id"]
    count = 1 + _hash(store.seed, "items", order_id) % 4
    items = []
    for k in range(count):
        h = _hash(store.seed, "item", order_id, k)
        product_id = 1 + h % max(1, store.products_count)
        quantity = 1 + (h >> 8) % 3
        price = _product_price(store, product_id)
        items.append({
            "id": order_id * 10 + k,
            "order_id": order_id,
            "product_id": product_id,
            "order_address_id": order_id,
            "name": f"Product {product_id}",
            "sku": f"SKU-{product_id:05d}",
            "type": "physical",
            "base_price": money(price),
            "price_ex_tax": money(price),
            "price_inc_tax": money(price * 11 // 10),
            "price_tax": money(price * 11 // 10 - price),
            "base_total": money(price * quantity),
            "total_ex_tax": money(price * quantity),
            "total_inc_tax": money(price * quantity * 11 // 10),
            "total_tax": money(price * quantity * 11 // 10 - price * quantity),
            "quantity": quantity,
            "quantity_shipped": 0,
            "is_refunded": False,
            "product_options": [],
        })
    return items


def _order_items_total(store: Store, order_id: int) -> tuple[int, int]:
    items = _line_items(store, {"id": order_id})
    cents = sum(int(i["total_ex_tax"].replace(".", "")) // 100 for i in items)
    return cents, sum(i["quantity"] for i in items)


def _address(store: Store, key: int, salt: str) -> dict[str, Any]:
    h = _hash(store.seed, salt, key)
    city, state, zip_code = _CITIES[h % len(_CITIES)]
    first, last = _FIRST_NAMES[(h >> 4) % 10], _LAST_NAMES[(h >> 8) % 10]
    return {
        "first_name": first, "last_name": last, "company": "", "street_1": f"{1 + (h >> 12) % 999} Main Street",
        "street_2": "", "city": city, "state": state, "zip": zip_code, "country": "United States",
        "country_iso2": "US", "phone": f"555-{(h >> 20) % 10000:04d}", "email": f"{first.lower()}.{last.lower()}{key}@example.com",
    }


def _shipping_addresses(store: Store, order: dict[str, Any]) -> list[dict[str, Any]]:
    address = _address(store, order["id"], "ship")
    address.update({"id": order["id"], "order_id": order["id"], "items_total": order["items_total"],
                    "items_shipped": 0, "shipping_method": "Flat Rate", "base_cost": order["base_shipping_cost"],
                    "cost_ex_tax": order["shipping_cost_ex_tax"], "cost_inc_tax": order["shipping_cost_inc_tax"]})
    return [address]


def _order_coupons(store: Store, order: dict[str, Any]) -> list[dict[str, Any]]:
    h = _hash(store.seed, "coupon", order["id"])
    if h % 10 >= 3:
        return []
    coupon_id = 1 + (h >> 4) % 15
    return [{"id": order["id"], "coupon_id": coupon_id, "order_id": order["id"], "code": f"SAVE{coupon_id:02d}",
             "amount": "5.0000", "type": 1, "discount": order["coupon_discount"]}]


def _customer_addresses(store: Store, customer: dict[str, Any]) -> list[dict[str, Any]]:
    count = 1 + _hash(store.seed, "addresses", customer["id"]) % 2
    addresses = []
    for k in range(count):
        address = _address(store, customer["id"] * 10 + k, "customer-address")
        address.update({"id": customer["id"] * 10 + k, "customer_id": customer["id"], "address_type": "residential"})
        addresses.append(address)
    return addresses


_SUB_RESOURCES: dict[tuple[str, str], Callable[[Store, dict[str, Any]], list[dict[str, Any]]]] = {
    ("orders", "products"): _line_items,
    ("orders", "shipping_addresses"): _shipping_addresses,
    ("orders", "coupons"): _order_coupons,
    ("customers", "addresses"): _customer_addresses,
}


def _order(store: Store, order_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    h = _hash(store.seed, "order", order_id)
    items_cents, items = _order_items_total(store, order_id)
    shipping = 500 + h % 1500
    tax = items_cents // 10
    has_coupon = _hash(store.seed, "coupon", order_id) % 10 < 3
    discount = 500 if has_coupon else 0
    total = items_cents + shipping + tax - discount
    status_id = _order_status_id(store, order_id, version)
    n_customers = len(store.collections["customers"].ids) if "customers" in store.collections else 50
    path = f"/orders/{order_id}"
    return {
        "id": order_id,
        "customer_id": 0 if h % 7 == 0 else 1 + (h >> 8) % n_customers,
        "date_created": rfc2822(created),
        "date_modified": rfc2822(modified),
        "date_shipped": rfc2822(modified) if status_id in (2, 10) else "",
        "status_id": status_id,
        "status": dict(ORDER_STATUSES)[status_id],
        "subtotal_ex_tax": money(items_cents),
        "subtotal_inc_tax": money(items_cents + tax),
        "subtotal_tax": money(tax),
        "base_shipping_cost": money(shipping),
        "shipping_cost_ex_tax": money(shipping),
        "shipping_cost_inc_tax": money(shipping),
        "total_ex_tax": money(total - tax),
        "total_inc_tax": money(total),
        "total_tax": money(tax),
        "items_total": items,
        "items_shipped": items if status_id in (2, 10) else 0,
        "payment_method": ("Credit Card", "PayPal", "Cash on Delivery")[h % 3],
        "payment_status": "captured" if status_id in (2, 9, 10, 11) else "",
        "refunded_amount": money(total) if status_id == 4 else "0.0000",
        "order_is_digital": False,
        "store_credit_amount": "0.0000",
        "gift_certificate_amount": "0.0000",
        "ip_address": f"192.0.2.{h % 250 + 1}",
        "geoip_country": "United States",
        "geoip_country_iso2": "US",
        "currency_code": "USD",
        "currency_exchange_rate": "1.0000000000",
        "discount_amount": "0.0000",
        "coupon_discount": money(discount),
        "shipping_address_count": 1,
        "is_deleted": False,
        "staff_notes": f"revision {version}" if version else "",
        # Some text beyond ASCII, which the store writes as \u escapes: a client that re-encoded
        # records instead of keeping the store's bytes would write it differently.
        "customer_message": "" if order_id % 7 else "Livraison à l'étage ☕",
        "channel_id": 1,
        "billing_address": _address(store, order_id, "bill"),
        "products": _link(store, f"{path}/products"),
        "shipping_addresses": _link(store, f"{path}/shipping_addresses"),
        "coupons": _link(store, f"{path}/coupons"),
    }


def _customer(store: Store, customer_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    h = _hash(store.seed, "customer", customer_id)
    first, last = _FIRST_NAMES[h % 10], _LAST_NAMES[(h >> 4) % 10]
    return {
        "id": customer_id,
        "company": "" if h % 3 else f"{last} Ltd",
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}{customer_id}@example.com",
        "phone": f"555-{(h >> 8) % 10000:04d}",
        "date_created": rfc2822(created),
        "date_modified": rfc2822(modified),
        "store_credit": "0.0000",
        "registration_ip_address": f"198.51.100.{h % 250 + 1}",
        "customer_group_id": (h >> 12) % 4,
        "notes": f"revision {version}" if version else "",
        "tax_exempt_category": "",
        "accepts_marketing": bool(h % 2),
        "addresses": _link(store, f"/customers/{customer_id}/addresses"),
    }


def _product_price(store: Store, product_id: int) -> int:
    return 500 + _hash(store.seed, "price", product_id) % 20_000


def _product(store: Store, product_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    h = _hash(store.seed, "product", product_id)
    price = _product_price(store, product_id)
    return {
        "id": product_id,
        "name": f"Product {product_id}",
        "type": "physical",
        "sku": f"SKU-{product_id:05d}",
        "description": f"<p>Product {product_id}, revision {version}.</p>",
        "price": money(price),
        "cost_price": money(price * 6 // 10),
        "retail_price": money(price * 12 // 10),
        "sale_price": "0.0000",
        "calculated_price": money(price),
        "categories": [1 + h % 20, 1 + (h >> 8) % 20],
        "brand_id": 1 + (h >> 16) % 12,
        "inventory_level": (h >> 24) % 500,
        "inventory_tracking": "simple",
        "weight": f"{1 + (h >> 32) % 20}.0000",
        "is_visible": True,
        "is_featured": h % 11 == 0,
        "date_created": rfc2822(created),
        "date_modified": rfc2822(modified),
        "skus": _link(store, f"/products/{product_id}/skus"),
        "images": _link(store, f"/products/{product_id}/images"),
    }


def _category(store: Store, category_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    return {"id": category_id, "parent_id": 0 if category_id <= 5 else 1 + category_id % 5,
            "name": f"Category {category_id}", "description": "", "sort_order": category_id,
            "page_title": "", "is_visible": True, "url": f"/category-{category_id}/"}


def _brand(store: Store, brand_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    return {"id": brand_id, "name": f"Brand {brand_id}", "page_title": f"Brand {brand_id}",
            "meta_keywords": [], "image_file": "", "search_keywords": ""}


def _coupon(store: Store, coupon_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    return {"id": coupon_id, "name": f"Save {coupon_id}", "type": "per_total_discount", "amount": "5.0000",
            "min_purchase": "20.0000", "expires": "", "enabled": True, "code": f"SAVE{coupon_id:02d}",
            "applies_to": {"entity": "categories", "ids": [0]}, "num_uses": coupon_id * 3, "max_uses": 0,
            "date_created": rfc2822(created)}


def _customer_group(store: Store, group_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    return {"id": group_id, "name": ("Retail", "Wholesale", "VIP")[(group_id - 1) % 3], "is_default": group_id == 1,
            "category_access": {"type": "all"}, "discount_rules": []}


def _order_status(store: Store, status_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    name = dict(ORDER_STATUSES)[status_id]
    return {"id": status_id, "name": name, "order": status_id}


def _country(store: Store, country_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    iso2, name = _COUNTRIES[(country_id - 1) % len(_COUNTRIES)]
    return {"id": country_id, "country": name, "country_iso2": iso2,
            "states": _link(store, f"/countries/{country_id}/states")}


def _tax_class(store: Store, tax_class_id: int, created: int, modified: int, version: int) -> dict[str, Any]:
    return {"id": tax_class_id, "name": ("Default Tax Class", "Non-Taxable Products", "Shipping")[(tax_class_id - 1) % 3]}
