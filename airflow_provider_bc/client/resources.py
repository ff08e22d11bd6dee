"""The catalogue of collections: one entry per resource, the only place that lists them.

v2 collections are named as the v2 API names them (``orders``); v3 ones by their v3 path
with a ``v3/`` in front (``v3/catalog/products``), since both APIs have customers, products,
categories and brands. Each entry says how the collection can be paged (by an id range, or
by cursor or page number), which filters bound ids and modification dates (so whether it can
be pulled incrementally), what ``include`` may ask for (v2: sub-resources fetched by
following their links; v3: what the API embeds itself with ``include=``), and which OAuth
scope it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_bc.client.errors import ConfigurationError

V2_DATES = ("min_date_modified", "max_date_modified")
V3_DATES = ("date_modified:min", "date_modified:max")
V3_IDS = ("id:min", "id:max")


@dataclass(frozen=True)
class Resource:
    """One collection.

    :param name: what users write, e.g. ``orders`` or ``v3/catalog/products``.
    :param path: the API path below the API root (``v3/...`` for v3).
    :param version: 2 or 3; v3 needs an OAuth account.
    :param keyset: takes an id range (``id_filters``), so it can be paged by id.
    :param countable: can say how many records match (v2 ``/count``, v3 ``meta.pagination.total``).
    :param date_filters: the (inclusive) minimum and maximum ``date_modified`` filters, where
        the collection has them: it can then be pulled incrementally.
    :param sub_resources: what ``include`` may name.
    :param id_filters: the names of the minimum and maximum id filters.
    :param order: parameters that fix the order the pager relies on.
    :param scope: the OAuth scope a store API account needs to read it.
    """

    name: str
    path: str
    version: int = 2
    keyset: bool = True
    countable: bool = True
    date_filters: tuple[str, str] | None = None
    sub_resources: tuple[str, ...] = ()
    id_filters: tuple[str, str] = ("min_id", "max_id")
    order: tuple[tuple[str, str], ...] = ()
    scope: str = ""

    @property
    def incremental(self) -> bool:
        return self.date_filters is not None


CATALOGUE: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("orders", "orders", date_filters=V2_DATES, sub_resources=("products", "shipping_addresses", "coupons"), scope="Orders: read-only"),
        Resource("customers", "customers", date_filters=V2_DATES, sub_resources=("addresses",), scope="Customers: read-only"),
        Resource("products", "products", date_filters=V2_DATES, scope="Products: read-only"),
        Resource("categories", "categories", scope="Products: read-only"),
        Resource("brands", "brands", scope="Products: read-only"),
        Resource("coupons", "coupons", scope="Marketing: read-only"),
        Resource("customer_groups", "customer_groups", keyset=False, scope="Customers: read-only"),
        Resource("order_statuses", "order_statuses", keyset=False, countable=False, scope="Orders: read-only"),
        Resource("countries", "countries", keyset=False, scope="Information & settings: read-only"),
        Resource("tax_classes", "tax_classes", keyset=False, countable=False, scope="Information & settings: read-only"),
        Resource("v3/catalog/products", "v3/catalog/products", version=3, date_filters=V3_DATES, id_filters=V3_IDS,
                 sub_resources=("variants", "images", "custom_fields"), order=(("sort", "id"), ("direction", "asc")),
                 scope="Products: read-only"),
        Resource("v3/catalog/categories", "v3/catalog/categories", version=3, id_filters=V3_IDS, scope="Products: read-only"),
        Resource("v3/catalog/brands", "v3/catalog/brands", version=3, id_filters=V3_IDS, scope="Products: read-only"),
        # No id range filter: paged by cursor where the store offers it, else by page number,
        # in creation order (which a modification does not change).
        Resource("v3/customers", "v3/customers", version=3, keyset=False, date_filters=V3_DATES,
                 sub_resources=("addresses", "storecredit"), order=(("sort", "date_created:asc"),), scope="Customers: read-only"),
    )
}


def get_resource(name: str) -> Resource:
    """The catalogue entry for ``name``, or an error listing the known ones."""
    try:
        return CATALOGUE[name]
    except (KeyError, TypeError):
        raise ConfigurationError(
            f"Unknown BigCommerce resource {name!r}: known resources are {', '.join(sorted(CATALOGUE))}"
        ) from None


def relative_path(path: str) -> str:
    """``path`` below the API root: ``/api/v2/orders`` and ``orders`` are both ``orders``; v3 keeps its ``v3/``."""
    return path.lstrip("/").removeprefix("api/v2/")


def is_v3(path: str) -> bool:
    return relative_path(path).startswith("v3/")


def resource_for_path(path: str) -> Resource:
    """How to page ``path``: a catalogue collection, or a record's sub-collection (by page number)."""
    relative = relative_path(path).rstrip("/")
    for resource in CATALOGUE.values():
        if resource.path == relative:
            return resource
    if "/" in relative and not is_v3(relative):  # orders/100/products and the like: small, no id filters, no count
        return Resource(relative, relative, keyset=False, countable=False)
    return get_resource(relative)


def scope_for_path(path: str) -> str:
    """The OAuth scope needed to read ``path`` (a collection, a record or a sub-resource); "" where unknown."""
    relative = relative_path(path)
    for resource in sorted(CATALOGUE.values(), key=lambda r: -len(r.path)):
        if relative == resource.path or relative.startswith(resource.path + "/"):
            return resource.scope
    return ""
