"""Every day, the customers that changed since the previous run.

Scheduled with a plain cron string, so the runs have Airflow 3's empty data intervals: each
run pulls from where the previous successful run of the task stopped (it reads that run's
XCom summary) up to its own logical date. The very first run has nothing to continue from and
pulls every customer: an initial full load. Files are named by the run's logical date:
``<root>/customers/until=<timestamp>.jsonl``.

To use it, change:
- ``start_date`` and ``schedule`` (any cron expression works; the chain follows the runs);
- the Airflow Variable ``bigcommerce_output_root`` (or the default below);
- ``bigcommerce_conn_id`` if your connection is not ``bigcommerce_default``;
- ``include``: ``["addresses"]`` embeds each customer's addresses (one request per customer).

Keep ``max_active_runs=1``: the chain needs each run to start after the previous one ended.
"""

from __future__ import annotations

import datetime

import pendulum
from airflow.sdk import DAG, Asset

from airflow_provider_bc.operators.bigcommerce import BigCommerceToStorageOperator

OUTPUT_ROOT = "{{ var.value.get('bigcommerce_output_root', '/tmp/bigcommerce') }}"

with DAG(
    dag_id="bigcommerce_daily_customers",
    description="Changed BigCommerce customers since the previous run",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": datetime.timedelta(minutes=5)},
    tags=["bigcommerce"],
):
    BigCommerceToStorageOperator(
        task_id="pull_customers",
        resource="customers",
        include=["addresses"],
        output_path=OUTPUT_ROOT + "/customers/until={{ ts_nodash }}.jsonl",
        outlets=[Asset("bigcommerce_customers")],
    )
