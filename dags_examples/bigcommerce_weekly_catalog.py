"""Every week, a full snapshot of the catalogue: products, categories and brands.

One mapped task per collection (dynamic task mapping), each writing
``<root>/catalog/<resource>/week=<day>.jsonl.gz``. A snapshot pulls every record whatever its
date (``incremental=False``), so each file is the whole collection as it was that week.

To use it, change:
- ``start_date`` and ``schedule``;
- ``RESOURCES``: any collection of the catalogue (``airflow_provider_bc.client.resources``),
  e.g. add ``"coupons"`` or ``"customer_groups"``;
- the Airflow Variable ``bigcommerce_output_root`` (or the default below);
- ``bigcommerce_conn_id`` if your connection is not ``bigcommerce_default``.
"""

from __future__ import annotations

import datetime

import pendulum
from airflow.sdk import DAG

from airflow_provider_bc.operators.bigcommerce import BigCommerceToStorageOperator

OUTPUT_ROOT = "{{ var.value.get('bigcommerce_output_root', '/tmp/bigcommerce') }}"
RESOURCES = ["products", "categories", "brands"]

with DAG(
    dag_id="bigcommerce_weekly_catalog",
    description="Weekly full snapshot of BigCommerce products, categories and brands",
    schedule="0 4 * * 1",
    start_date=pendulum.datetime(2026, 1, 5, tz="UTC"),
    catchup=False,
    max_active_tasks=2,  # the mapped pulls share the store's quota
    default_args={"retries": 2, "retry_delay": datetime.timedelta(minutes=5)},
    tags=["bigcommerce"],
):
    BigCommerceToStorageOperator.partial(task_id="snapshot", incremental=False).expand_kwargs(
        [
            {"resource": name, "output_path": f"{OUTPUT_ROOT}/catalog/{name}/week={{{{ ds }}}}.jsonl.gz"}
            for name in RESOURCES
        ]
    )
