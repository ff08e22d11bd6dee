"""Every day, yesterday's changed v3 catalog products with their variants, over OAuth.

The v3 APIs take only OAuth tokens, so this DAG uses a connection holding a store API account
(see the README: API Path ``https://api.bigcommerce.com/stores/<store hash>/``, API Token = the
access token, scope *Products: read-only*). Each run pulls the products whose
``date_modified`` falls in its data interval (one UTC day) into
``<root>/v3/products/date=<day>/products.jsonl.gz``, each with its ``variants`` embedded by the
API (no request per product).

To use it, change:
- ``start_date`` (with ``catchup=True`` every day since then is pulled, one run at a time);
- ``bigcommerce_conn_id``: the connection of your store API account;
- the Airflow Variable ``bigcommerce_output_root`` (or the default below);
- ``include``: ``variants``, ``images``, ``custom_fields``, as downstream needs them.
"""

from __future__ import annotations

import datetime

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable

from airflow_provider_bc.operators.bigcommerce import BigCommerceToStorageOperator

OUTPUT_ROOT = "{{ var.value.get('bigcommerce_output_root', '/tmp/bigcommerce') }}"

with DAG(
    dag_id="bigcommerce_v3_daily_products",
    description="Changed BigCommerce v3 products with variants, one file per day (OAuth)",
    schedule=CronDataIntervalTimetable("30 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=True,
    max_active_runs=1,  # runs share the store's quota: one at a time
    default_args={"retries": 2, "retry_delay": datetime.timedelta(minutes=5)},
    tags=["bigcommerce", "v3"],
):
    BigCommerceToStorageOperator(
        task_id="pull_products",
        bigcommerce_conn_id="bigcommerce_oauth",
        resource="v3/catalog/products",
        include=["variants"],
        output_path=OUTPUT_ROOT + "/v3/products/date={{ data_interval_start | default(dag_run.run_after) | ds }}/products.jsonl.gz",
        outlets=[Asset("bigcommerce_v3_products")],
    )
