"""The sandbox's v3 API: the same store's records in v3 shape, with v3 filters, paging and errors.

v3 is reached only with an OAuth token (``X-Auth-Token``), at ``/stores/<hash>/v3/``. Lists
answer ``{"data": [...], "meta": {"pagination": {...}}}`` (200 with ``data: []`` when nothing
matches, never 204); filters are ``id:min``, ``id:max``, ``id:in``, ``date_modified:min`` and
friends, dates are ISO 8601; ``limit`` is at most 250 (422 above). Customers, which have no id
range filter, also offer cursor pagination (``after``, ``meta.cursor_pagination``), as the API
does for its newer collections; ``cursor=False`` on the server takes it away, leaving page
numbers only. Errors are v3 error bodies: ``{"status", "title", "type", "errors"}``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from airflow_provider_bc.sandbox.store import MAX_LIMIT, QueryError, Store

DEFAULT_LIMIT = 50
ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


def iso(epoch: int) -> str:
    """A v3 date: ISO 8601 in UTC, e.g. ``2026-01-01T00:00:00+00:00``."""
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


@dataclass(frozen=True)
class V3Collection:
    """One v3 collection over one of the store's collections.

    :param source: the store collection it shows.
    :param build: (store, v2 record, created, modified, includes) -> the v3 record.
    :param filters: v3 filter -> the store's filter of the same meaning.
    :param includes: what ``include=`` may ask for.
    :param sorts: what ``sort=`` may name (``field`` with ``direction``, or ``field:asc``).
    :param cursor: offers cursor pagination.
    """

    source: str
    build: Callable[[Store, dict[str, Any], int, int, frozenset[str]], dict[str, Any]]
    filters: Mapping[str, str]
    includes: frozenset[str] = frozenset()
    sorts: frozenset[str] = frozenset({"id"})
    cursor: bool = False


_ID_RANGE = {"id:min": "min_id", "id:max": "max_id"}
_MODIFIED = {"date_modified:min": "min_date_modified", "date_modified:max": "max_date_modified",
             "date_created:min": "min_date_created", "date_created:max": "max_date_created"}


def _product(store: Store, v2: dict[str, Any], created: int, modified: int, includes: frozenset[str]) -> dict[str, Any]:
    record = {
        "id": v2["id"], "name": v2["name"], "type": v2["type"], "sku": v2["sku"], "description": v2["description"],
        "price": float(v2["price"]), "cost_price": float(v2["cost_price"]), "retail_price": float(v2["retail_price"]),
        "sale_price": float(v2["sale_price"]), "calculated_price": float(v2["calculated_price"]),
        "categories": v2["categories"], "brand_id": v2["brand_id"], "inventory_level": v2["inventory_level"],
        "inventory_tracking": "product", "weight": float(v2["weight"]), "is_visible": v2["is_visible"],
        "is_featured": v2["is_featured"], "date_created": iso(created), "date_modified": iso(modified),
    }
    if "variants" in includes:
        record["variants"] = [
            {"id": v2["id"] * 10 + k, "product_id": v2["id"], "sku": f"{v2['sku']}-{size}", "price": record["price"],
             "inventory_level": (v2["inventory_level"] + k) % 100, "option_values": [{"option_display_name": "Size", "label": size}]}
            for k, size in enumerate(("S", "M", "L")[: 1 + v2["id"] % 3])
        ]
    if "images" in includes:
        record["images"] = [{"id": v2["id"], "product_id": v2["id"], "is_thumbnail": True,
                             "url_standard": f"https://cdn.example.com/products/{v2['id']}/standard.jpg"}]
    if "custom_fields" in includes:
        record["custom_fields"] = [{"id": v2["id"], "name": "Material", "value": ("Cotton", "Wool", "Linen")[v2["id"] % 3]}]
    return record


def _category(store: Store, v2: dict[str, Any], created: int, modified: int, includes: frozenset[str]) -> dict[str, Any]:
    return {"id": v2["id"], "parent_id": v2["parent_id"], "name": v2["name"], "description": v2["description"],
            "sort_order": v2["sort_order"], "is_visible": v2.get("is_visible", True)}


def _brand(store: Store, v2: dict[str, Any], created: int, modified: int, includes: frozenset[str]) -> dict[str, Any]:
    return {"id": v2["id"], "name": v2["name"], "page_title": v2["page_title"], "meta_keywords": [], "image_url": ""}


def _customer(store: Store, v2: dict[str, Any], created: int, modified: int, includes: frozenset[str]) -> dict[str, Any]:
    record = {
        "id": v2["id"], "email": v2["email"], "first_name": v2["first_name"], "last_name": v2["last_name"],
        "company": v2["company"], "phone": v2["phone"], "registration_ip_address": v2["registration_ip_address"],
        "notes": v2["notes"], "tax_exempt_category": "", "customer_group_id": v2["customer_group_id"],
        "accepts_product_review_abandoned_cart_emails": v2["accepts_marketing"],
        "date_created": iso(created), "date_modified": iso(modified),
    }
    if "addresses" in includes:
        record["addresses"] = [
            dict(address, id=address["id"], customer_id=v2["id"]) for address in store.sub_list("customers", v2["id"], "addresses", {})
        ]
    if "storecredit" in includes:
        record["store_credit_amounts"] = [{"amount": float(v2["store_credit"])}]
    return record


COLLECTIONS: dict[str, V3Collection] = {
    "catalog/products": V3Collection("products", _product, {**_ID_RANGE, **_MODIFIED},
                                     frozenset({"variants", "images", "custom_fields"}), frozenset({"id", "date_modified"})),
    "catalog/categories": V3Collection("categories", _category, _ID_RANGE),
    "catalog/brands": V3Collection("brands", _brand, _ID_RANGE),
    "customers": V3Collection("customers", _customer, _MODIFIED, frozenset({"addresses", "storecredit"}),
                              frozenset({"date_created", "date_modified"}), cursor=True),
}


def error(status: int, title: str, errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "title": title, "type": ERROR_TYPE}
    if errors:
        body["errors"] = dict(errors)
    return body


def route(store: Store, segments: list[str], query: Mapping[str, str], *, cursor: bool = True) -> tuple[int, Any]:
    """Answer ``GET /v3/<segments>?query``: (status, JSON body)."""
    name = "/".join(segments)
    collection = COLLECTIONS.get(name)
    if collection is None:
        return 404, error(404, "The route is not found, check the URL")
    try:
        return 200, _list(store, collection, query, cursor=cursor and collection.cursor)
    except QueryError as exc:
        return exc.status, error(exc.status, exc.message, exc.details)


def _list(store: Store, spec: V3Collection, query: Mapping[str, str], *, cursor: bool) -> dict[str, Any]:
    paging = {"page", "limit", "include", "sort", "direction", "after"}
    unknown = sorted(set(query) - set(spec.filters) - paging - {"id:in"})
    if unknown:
        raise QueryError(422, f"The filter '{unknown[0]}' is not supported.", {unknown[0]: "unknown filter"})
    if "after" in query and not cursor:
        raise QueryError(422, "Cursor pagination is not supported for this collection.", {"after": "not supported"})
    includes = frozenset(filter(None, query.get("include", "").split(",")))
    if includes - spec.includes:
        bad = sorted(includes - spec.includes)[0]
        raise QueryError(422, f"The include '{bad}' is not supported.", {"include": f"one of {', '.join(sorted(spec.includes))}"})
    limit = _number(query, "limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise QueryError(422, f"The limit must be at most {MAX_LIMIT}.", {"limit": f"maximum {MAX_LIMIT}"})
    page = _number(query, "page", 1)
    collection = store.collections[spec.source]
    translated = {spec.filters[k]: v for k, v in query.items() if k in spec.filters}
    sort = _sort(spec, query)
    if sort:
        translated["sort"] = sort
    with store.lock:
        if store.before_list is not None:
            store.before_list(store, spec.source, query)
        positions = store.select(spec.source, translated)
        if "id:in" in query:
            wanted = {_whole(part, "id:in") for part in query["id:in"].split(",") if part}
            positions = [pos for pos in positions if collection.ids[pos] in wanted]
        key = _sort_key(collection, sort)
        total = len(positions)
        if "after" in query:
            after = _decode_cursor(query["after"])
            positions = [pos for pos in positions if key(pos) > after]
            chosen = positions[:limit]
        else:
            chosen = positions[(page - 1) * limit: page * limit]
        data = [spec.build(store, collection.record(store, pos), collection.created[pos], collection.modified[pos], includes)
                for pos in chosen]
    pages = max(1, -(-total // limit))
    base = {k: v for k, v in query.items() if k not in ("page", "after")}
    links = {"current": "?" + urlencode({**base, "page": page})}
    if page > 1:
        links["previous"] = "?" + urlencode({**base, "page": page - 1})
    if page < pages:
        links["next"] = "?" + urlencode({**base, "page": page + 1})
    meta: dict[str, Any] = {"pagination": {"total": total, "count": len(data), "per_page": limit, "current_page": page,
                                           "total_pages": pages, "links": links}}
    if cursor:
        end = _encode_cursor(key(chosen[-1])) if chosen else None
        more = len(positions) > len(chosen)
        meta["cursor_pagination"] = {
            "count": len(data), "per_page": limit,
            "start_cursor": _encode_cursor(key(chosen[0])) if chosen else None, "end_cursor": end,
            "links": {"next": "?" + urlencode({**base, "after": end})} if more and end else {},
        }
    return {"data": data, "meta": meta}


def _sort(spec: V3Collection, query: Mapping[str, str]) -> str | None:
    """The store's ``field:direction`` for v3's ``sort`` (``field`` with ``direction``, or ``field:asc``); None: by id."""
    sort = query.get("sort")
    if not sort:
        return None
    field_name, _, direction = sort.partition(":")
    direction = direction or query.get("direction", "asc")
    if field_name not in spec.sorts or direction not in ("asc", "desc"):
        raise QueryError(422, f"The sort '{sort}' is not supported.", {"sort": f"one of {', '.join(sorted(spec.sorts))}"})
    return f"{field_name}:{direction}"


def _sort_key(collection: Any, sort: str | None) -> Callable[[int], tuple[int, int]]:
    """Where a record stands in the order asked for: what a cursor remembers."""
    field_name = (sort or "id").partition(":")[0]
    values = {"id": collection.ids, "date_created": collection.created, "date_modified": collection.modified}[field_name]
    return lambda pos: (values[pos], collection.ids[pos])


def _encode_cursor(key: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def _decode_cursor(value: str) -> tuple[int, int]:
    try:
        first, second = json.loads(base64.urlsafe_b64decode(value.encode()))
        return int(first), int(second)
    except (ValueError, TypeError):
        raise QueryError(422, "The cursor is not valid.", {"after": "invalid cursor"}) from None


def _number(query: Mapping[str, str], name: str, default: int) -> int:
    return default if name not in query else _whole(query[name], name, minimum=1)


def _whole(value: str, name: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise QueryError(422, f"The field '{name}' is invalid.", {name: f"{value!r} is not a whole number"}) from None
    if number < minimum:
        raise QueryError(422, f"The field '{name}' must be {minimum} or more.", {name: f"minimum {minimum}"})
    return number
