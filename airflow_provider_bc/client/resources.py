"""The catalogue of v2 collections: one entry per resource, the only place that lists them.

Each entry says how the collection can be paged (by id, or only by page number), whether it
has a ``/count``, whether it can be filtered by modification date (and so pulled
incrementally), and which sub-resources its records link to instead of embedding.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_bc.client.errors import ConfigurationError


@dataclass(frozen=True)
class Resource:
    """One v2 collection.

    :param name: what users write, e.g. ``orders``.
    :param path: the API path below ``/api/v2/``.
    :param keyset: takes ``min_id``/``max_id``, so it can be paged by id.
    :param countable: has ``/<path>/count``.
    :param incremental: takes ``min_date_modified``/``max_date_modified``.
    :param sub_resources: link fields of a record that ``include`` can replace by their data.
    """

    name: str
    path: str
    keyset: bool = True
    countable: bool = True
    incremental: bool = False
    sub_resources: tuple[str, ...] = ()


CATALOGUE: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("orders", "orders", incremental=True, sub_resources=("products", "shipping_addresses", "coupons")),
        Resource("customers", "customers", incremental=True, sub_resources=("addresses",)),
        Resource("products", "products", incremental=True),
        Resource("categories", "categories"),
        Resource("brands", "brands"),
        Resource("coupons", "coupons"),
        Resource("customer_groups", "customer_groups", keyset=False),
        Resource("order_statuses", "order_statuses", keyset=False, countable=False),
        Resource("countries", "countries", keyset=False),
        Resource("tax_classes", "tax_classes", keyset=False, countable=False),
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


def resource_for_path(path: str) -> Resource:
    """How to page ``path``: a catalogue collection, or a record's sub-collection (by page number)."""
    relative = path.strip("/")
    if relative.startswith("api/v2/"):
        relative = relative[len("api/v2/"):]
    for resource in CATALOGUE.values():
        if resource.path == relative:
            return resource
    if "/" in relative:  # orders/100/products and the like: small, no id filters, no count
        return Resource(relative, relative, keyset=False, countable=False)
    return get_resource(relative)
