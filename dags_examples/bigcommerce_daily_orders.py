"""Every day, yesterday's changed orders, with their line items, addresses and coupons.

Each run pulls the orders whose ``date_modified`` falls in its data interval (one UTC day,
``[00:00, 24:00)``) into ``<root>/orders/date=<day>/orders.jsonl.gz``. Consecutive runs cover
every change exactly once; an order changed on three days is in three files, each time as it
was then. A failed or cleared run writes its file again, in full.

To use it, change:
- ``start_date``: the first day to pull (with ``catchup=True`` every day since then is pulled,
  one run at a time, so history is backfilled within the store's rate limit);
- the Airflow Variable ``bigcommerce_output_root`` (or the default below): a local folder, or
  any URL ObjectStoragePath writes, e.g. ``s3://my-bucket/bigcommerce`` with the Amazon provider;
- ``bigcommerce_conn_id`` if your connection is not ``bigcommerce_default``;
- ``include``: drop the sub-resources you do not need, each costs one request per order.

A manual run with no logical date pulls from where the last successful run ended until it was
triggered, into the file of the day it was triggered; that day's scheduled run later writes the
whole day over it.
"""

from __future__ import annotations

import datetime

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable

from airflow_provider_bc.operators.bigcommerce import BigCommerceToStorageOperator

OUTPUT_ROOT = "{{ var.value.get('bigcommerce_output_root', '/tmp/bigcommerce') }}"

with DAG(
    dag_id="bigcommerce_daily_orders",
    description="Changed BigCommerce orders with line items, one file per day",
    # Real daily intervals, so each run knows exactly which day it covers.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=True,
    max_active_runs=1,  # runs share the store's quota: one at a time
    default_args={"retries": 2, "retry_delay": datetime.timedelta(minutes=5)},
    tags=["bigcommerce"],
):
    BigCommerceToStorageOperator(
        task_id="pull_orders",
        resource="orders",
        include=["products", "shipping_addresses", "coupons"],
        output_path=OUTPUT_ROOT + "/orders/date={{ data_interval_start | default(dag_run.run_after) | ds }}/orders.jsonl.gz",
        outlets=[Asset("bigcommerce_orders")],
    )
