"""BigCommerceToStorageOperator: one window of a v2 or v3 collection into one JSON Lines file.

The operator only decides *what* to pull (the resource, the window, the filters) and *where*
to put it; the hook and its client do every request, and the storage module every byte
written. Arguments are checked when the DAG is parsed, so a typo in ``resource`` or
``include`` shows up as an import error in the UI rather than at two in the morning.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, BaseOperator

from airflow_provider_bc.client.errors import ConfigurationError
from airflow_provider_bc.client.pager import split_params
from airflow_provider_bc.client.resources import Resource, get_resource
from airflow_provider_bc.hooks.bigcommerce import BigCommerceHook
from airflow_provider_bc.storage import FORMATS, target_path, write_jsonl
from airflow_provider_bc.windows import Window, iso, resolve_window, to_utc_second

if TYPE_CHECKING:
    from airflow.sdk import Context


class BigCommerceToStorageOperator(BaseOperator):
    """Pull one window of changes of a BigCommerce collection into a file.

    Each scheduled run pulls the records whose ``date_modified`` lies in its window
    ``[start, end)`` (see :mod:`airflow_provider_bc.windows`), so a series of runs, and any
    backfill, sees every change once. Records are written one per line in ascending id order
    (v3 customers: in creation order), exactly as the API returned them, to ``output_path``
    atomically.

    :param resource: the collection: v2 ``orders``, ``customers``, ``products``, ...; v3
        ``v3/catalog/products``, ``v3/customers``, ... (OAuth connections only; see
        :data:`airflow_provider_bc.client.resources.CATALOGUE`).
    :param output_path: where the file goes (templated): a local path or any URL
        ``ObjectStoragePath`` accepts (``file://``, ``s3://``, ``gs://``, ...). A name ending
        in ``.gz`` is gzip-compressed.
    :param bigcommerce_conn_id: the ``bigcommerce`` connection.
    :param api_params: extra API filters (templated), e.g. ``{"status_id": 11}``; ``limit``
        sets the page size. (Named so as not to clash with ``BaseOperator.params``, the DAG's
        run parameters.)
    :param incremental: pull only the run's window; the default is true where the resource
        can be filtered by modification date, false elsewhere (a full snapshot).
    :param include: what to embed in each record: for v2, sub-resources fetched in place of
        their links (one request more per record), e.g. ``["products", "shipping_addresses",
        "coupons"]`` for orders; for v3, what the API embeds itself (``include=``), e.g.
        ``["variants"]`` for ``v3/catalog/products``.
    :param format: ``jsonl`` (JSON Lines).
    :param since: start of the window instead of the run's (templated; ISO 8601).
    :param until: end of the window instead of the run's (templated; ISO 8601).
    :param progress_interval: seconds between progress lines in the task log.
    """

    template_fields: Sequence[str] = ("output_path", "api_params", "since", "until")
    template_fields_renderers = {"api_params": "json"}
    ui_color = "#34313f"
    ui_fgcolor = "#ffffff"

    def __init__(
        self,
        *,
        resource: str,
        output_path: str,
        bigcommerce_conn_id: str = BigCommerceHook.default_conn_name,
        api_params: dict[str, Any] | None = None,
        incremental: bool | None = None,
        include: Sequence[str] | None = None,
        format: str = "jsonl",  # noqa: A002 - the name users expect
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        progress_interval: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        catalogue_entry = get_resource(resource)
        self.resource = resource
        self.output_path = output_path
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.api_params = dict(api_params or {})
        self.incremental = catalogue_entry.incremental if incremental is None else incremental
        # A single name is a list of one, not a list of its letters.
        self.include = [include] if isinstance(include, str) else list(include or [])
        self.format = format
        self.since = since
        self.until = until
        self.progress_interval = progress_interval
        self._check_arguments(catalogue_entry)

    def _check_arguments(self, entry: Resource) -> None:
        if self.incremental and not entry.incremental:
            raise ConfigurationError(
                f"{self.resource} cannot be pulled incrementally: the API has no modification-date filter for it; "
                f"set incremental=False for a full snapshot"
            )
        if not all(isinstance(name, str) for name in self.include):
            raise ConfigurationError(f"include must be a list of sub-resource names, not {self.include!r}")
        unknown = [name for name in self.include if name not in entry.sub_resources]
        if unknown:
            offered = f"it offers {', '.join(entry.sub_resources)}" if entry.sub_resources else "it has none"
            raise ConfigurationError(f"include {unknown[0]!r} is not a sub-resource of {self.resource}: {offered}")
        if self.format not in FORMATS:
            raise ConfigurationError(f"format {self.format!r} is not supported: use one of {', '.join(FORMATS)}")
        self._check_api_params(self.api_params)

    def _check_api_params(self, api_params: Any) -> None:
        if not isinstance(api_params, dict):
            raise ConfigurationError(f"api_params must be a dict of API filters, not {api_params!r}")
        if _has_template(api_params):
            return  # checked again once rendered
        split_params(api_params)  # page, sort, limit
        entry = get_resource(self.resource)
        if "include" in api_params and entry.version == 3:
            raise ConfigurationError("api_params 'include' is set by the operator: give it as include=[...] instead")
        if self.incremental and entry.date_filters is not None:
            # The window sets these; a caller who wants another range gives since/until.
            clash = [name for name in entry.date_filters if name in api_params]
            if clash:
                raise ConfigurationError(
                    f"api_params {clash[0]!r} clashes with the run's window: give the range with since/until, "
                    f"or set incremental=False"
                )

    def execute(self, context: Context) -> dict[str, Any]:
        started = time.monotonic()
        self._check_api_params(self.api_params)
        target = target_path(self.output_path)
        window = self._window(context) if self.incremental else None
        entry = get_resource(self.resource)
        params = dict(self.api_params)
        if window is not None and entry.date_filters is not None:
            params.update(window.api_params(entry.date_filters, entry.version))
            self.log.info("Pulling %s %s into %s", self.resource, window.describe(), target)
        else:
            self.log.info("Pulling every record of %s into %s", self.resource, target)
        hook = BigCommerceHook(self.bigcommerce_conn_id)
        if self.include and entry.version == 3:
            params["include"] = ",".join(self.include)  # v3 embeds them itself: no request more
        embed = bool(self.include) and entry.version == 2
        # Records go to the file as the API sent them, unparsed, unless sub-resources are put into them.
        pager = hook.paginate(entry.path, params, raw=not embed)
        records: Iterable[Any] = pager
        if embed:
            records = hook.embed(records, self.include)
        client = hook.get_client()
        result = write_jsonl(self._with_progress(records, pager, client), target)
        summary = {
            "resource": self.resource,
            "path": result.path,
            "records": result.records,
            "bytes": result.bytes,
            "requests": client.stats.requests,
            "window_start": iso(window.start) if window is not None and window.start is not None else None,
            "window_end": iso(window.end) if window is not None else None,
            "seconds": round(time.monotonic() - started, 3),
        }
        self.log.info(
            "Wrote %d %s to %s in %.1f s with %d requests (%d retried, %d rate-limited)",
            result.records, self.resource, result.path, summary["seconds"], client.stats.requests,
            client.stats.retries, client.stats.throttled,
        )
        for outlet in self.outlets:
            if isinstance(outlet, Asset):
                context["outlet_events"][outlet].extra = dict(summary)
        return summary

    def _window(self, context: Context) -> Window:
        dag_run = context.get("dag_run")
        previous_end = None
        interval_start, interval_end = context.get("data_interval_start"), context.get("data_interval_end")
        empty_interval = interval_start is None or interval_end is None or interval_start >= interval_end
        if empty_interval and self.since in (None, ""):
            previous_end = self._previous_window_end(context)
        window = resolve_window(
            since=self.since,
            until=self.until,
            data_interval_start=interval_start,
            data_interval_end=interval_end,
            logical_date=context.get("logical_date"),
            run_after=getattr(dag_run, "run_after", None),
            previous_end=previous_end,
        )
        if window.start is None:
            self.log.info(
                "No data interval and no previous successful run of %s: this first run pulls every record "
                "modified before %s; the next run continues from there", self.task_id, iso(window.end),
            )
        return window

    def _previous_window_end(self, context: Context) -> datetime | None:
        """Where this task's previous successful run's window ended (from its XCom summary)."""
        if not self.do_xcom_push:
            raise ConfigurationError(
                f"Task {self.task_id} has an empty data interval and do_xcom_push=False: it chains windows through "
                f"its XCom summary; enable do_xcom_push, give since/until, or use a timetable with data intervals "
                f"(CronDataIntervalTimetable)"
            )
        ti = context["ti"]
        previous = ti.get_previous_ti(state="success", map_index=ti.map_index)
        if previous is None:
            return None
        summary = ti.xcom_pull(task_ids=self.task_id, run_id=previous.run_id, map_indexes=ti.map_index)
        if not isinstance(summary, dict) or not summary.get("window_end"):
            raise ConfigurationError(
                f"The previous successful run of {self.task_id} ({previous.run_id}) left no window_end in its XCom, "
                f"so this run cannot tell where to start: give since/until for this run"
            )
        return to_utc_second(summary["window_end"], "previous window_end")

    def _with_progress(self, records: Iterable[Any], pager: Any, client: Any) -> Iterator[Any]:
        """Pass records through, logging progress every ``progress_interval`` seconds."""
        started = last = time.monotonic()
        count = 0
        for record in records:
            count += 1
            yield record
            now = time.monotonic()
            if now - last >= self.progress_interval:
                last = now
                rate = count / (now - started)
                total = getattr(pager, "total", None)
                eta = f", about {(total - count) / rate:.0f} s left" if total and rate else ""
                quota = client.limiter.status()
                quota_text = f", quota {quota[0]} of {quota[1]} left" if quota else ""
                self.log.info(
                    "%s: %d%s records, %d pages, %.0f records/s%s%s",
                    self.resource, count, f" of {total}" if total else "", pager.pages, rate, eta, quota_text,
                )


def _has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(_has_template(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_template(v) for v in value)
    return False
