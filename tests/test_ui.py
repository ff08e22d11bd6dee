"""The connection in the web UI: Debian's chromium, driven by Playwright, against a real Airflow.

`airflow standalone` runs with ``AIRFLOW__CORE__TEST_CONNECTION=Enabled`` and a sandbox store;
the browser adds a BigCommerce connection through the form, the scheduler runs the daily
orders example with it, and the row's Test button reports on it. Screenshots of the form and
of every result are kept under ``test-output/ui/`` (or ``$BC_TEST_OUTPUT/ui/``).

Run alone with ``pytest -m ui``; ``make test`` installs chromium (apt) and Playwright.
"""

from __future__ import annotations

import calendar
import datetime
import gzip
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_bc.sandbox.server import SandboxServer
from airflow_provider_bc.sandbox.store import DAY, Store
from tests.helpers import USERNAME, oauth_token_for
from tests.standalone import Airflow

pytestmark = [pytest.mark.airflow, pytest.mark.scheduler, pytest.mark.ui]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "dags_examples" / "bigcommerce_daily_orders.py"
DAG_ID = "bigcommerce_daily_orders"
SHOTS = Path(os.environ.get("BC_TEST_OUTPUT", ROOT / "test-output")) / "ui"
YESTERDAY = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
    # Nothing but the loopback: no update checks, sync or QUIC probes to the outside.
    "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
EXTRA_LABELS = {
    "auth": "Account type",
    "verify": "TLS CA bundle",
    "timeout": "Timeout (seconds)",
    "concurrency": "Concurrency",
    "max_retries": "Max retries",
    "retry_backoff": "Retry backoff (seconds)",
}


def _test_button_works() -> bool:
    """Whether this Airflow's Test button can test a saved connection that has no port.

    The UI posts ``port: Number(null)``, i.e. 0, for a saved connection without a port, and
    Airflow up to 3.3.2 takes 0 for another port than the stored NULL and answers 400 "Bad
    Request" (apache/airflow#73298, fixed upstream). That is every BigCommerce connection:
    its port is in the API path. The check is Airflow's own comparison, so the xfail below
    turns into a failure, asking for it to be removed, as soon as an Airflow with the fix is
    installed.
    """
    from airflow.api_fastapi.core_api.routes.public.connections import _same_endpoint

    return bool(_same_endpoint(0, None))


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, token: str) -> Iterator[dict[str, Any]]:
    if shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("ui")
    start = calendar.timegm((YESTERDAY - datetime.timedelta(days=1)).timetuple())
    server = SandboxServer(Store(orders=600, start=start, span_days=3), certs_dir=tmp / "certs", username=USERNAME, token=token,
                           oauth_token=oauth_token_for(token)).start()
    output = tmp / "output"
    instance = Airflow(tmp / "home", {"AIRFLOW__CORE__TEST_CONNECTION": "Enabled", "AIRFLOW_VAR_BIGCOMMERCE_OUTPUT_ROOT": str(output)})
    SHOTS.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    try:
        instance.cli("db", "migrate")
        source = EXAMPLE.read_text()
        copied = source.replace('pendulum.datetime(2026, 1, 1, tz="UTC")', f'pendulum.datetime({YESTERDAY.year}, {YESTERDAY.month}, {YESTERDAY.day}, tz="UTC")')
        assert copied != source
        (instance.home / "dags" / EXAMPLE.name).write_text(copied.replace('"retries": 2', '"retries": 0'))
        instance.start()
        instance.wait_for("the API server", lambda: instance.get("/monitor/health"), 180)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            try:
                yield {"airflow": instance, "server": server, "output": output, "browser": browser,
                       "url": instance.api.rsplit("/api/", 1)[0]}
            finally:
                browser.close()
    finally:
        instance.stop()
        server.stop()


def _open_form(ui: dict[str, Any], conn_id: str) -> Any:
    """A browser page with the Add Connection form filled in as far as the connection type."""
    page = ui["browser"].new_page(viewport={"width": 1400, "height": 1300})
    page.set_default_timeout(30_000)
    page.goto(ui["url"] + "/connections")
    page.get_by_role("button", name="Add Connection").click()
    page.locator("input[name=connection_id]").fill(conn_id)
    kind = page.get_by_role("combobox").last
    kind.click()
    kind.fill("BigCommerce")
    page.keyboard.press("Enter")
    page.get_by_text("API Path", exact=True).wait_for()
    page.screenshot(path=str(SHOTS / f"form-{conn_id}.png"), full_page=True)
    return page


def _fill(page: Any, ui: dict[str, Any], token: str, *, oauth: bool = False) -> None:
    """The standard fields, then the extra fields (the form shows one group at a time)."""
    server = ui["server"]
    page.locator("input[name=host]").fill(server.oauth_api_path if oauth else server.api_path)
    if not oauth:
        page.locator("input[name=login]").fill(USERNAME)
    page.locator("input[name=password]").fill(token)
    page.get_by_role("button", name="Extra Fields", exact=True).click()
    page.locator("[name=element_verify]").fill(server.ca_bundle)
    page.locator("[name=element_retry_backoff]").fill("0.05")


def _save(page: Any) -> None:
    page.get_by_role("button", name="Save").click()
    page.get_by_role("dialog").wait_for(state="hidden")


def _row_test(page: Any, conn_id: str) -> str:
    """Press the Test button on ``conn_id``'s row; the text of the toast that answers."""
    page.goto(page.url.split("/connections")[0] + "/connections")
    row = page.get_by_role("row").filter(has_text=conn_id)
    row.get_by_role("button", name="Test Connection").click()
    toast = page.get_by_role("status").or_(page.get_by_role("alert")).filter(has_text="Test Connection").first
    toast.wait_for()
    return toast.inner_text()


def test_the_form_shows_the_bigcommerce_fields_and_a_run_uses_what_it_saved(ui: dict[str, Any], token: str) -> None:
    instance: Airflow = ui["airflow"]
    page = _open_form(ui, "bigcommerce_default")
    dialog = page.get_by_role("dialog")
    for label in ("API Path", "Username", "API Token"):
        assert dialog.get_by_text(label, exact=True).is_visible(), label
    for hidden in ("Host", "Login", "Password", "Schema", "Port"):
        assert dialog.get_by_text(hidden, exact=True).count() == 0, f"{hidden} should be relabelled or hidden"
    assert dialog.locator("input[name=host]").get_attribute("placeholder") == "https://store-xxxx.mybigcommerce.com/api/v2/ or https://api.bigcommerce.com/stores/<hash>/"
    _fill(page, ui, token)
    for name, label in EXTRA_LABELS.items():
        assert dialog.get_by_text(label).first.is_visible(), label
        assert dialog.locator(f"[name=element_{name}]").count() == 1, name
    assert dialog.get_by_text("Verification cannot be turned off").is_visible()
    page.screenshot(path=str(SHOTS / "form-extra-fields.png"), full_page=True)
    _save(page)
    page.get_by_role("row").filter(has_text="bigcommerce_default").wait_for()
    page.screenshot(path=str(SHOTS / "saved.png"), full_page=True)
    page.close()

    stored = instance.get("/connections/bigcommerce_default")
    assert (stored["conn_type"], stored["host"], stored["login"], stored["password"]) == ("bigcommerce", ui["server"].api_path, USERNAME, "***")
    extra = json.loads(stored["extra"])
    assert extra["verify"] == ui["server"].ca_bundle
    assert extra.get("auth") in (None, "")  # not chosen: told from the API Path

    # What the Test button asks of the API, by connection id (Airflow's own route and our hook).
    tested = requests.post(f"{instance.api}/connections/test", json={"connection_id": "bigcommerce_default", "conn_type": "bigcommerce"}, timeout=60)
    assert tested.status_code == 200, tested.text
    assert tested.json()["status"] is True
    assert f"Connected to BigCommerce store {ui['server'].store.name!r}" in tested.json()["message"]

    wrong = _open_form(ui, "bigcommerce_wrong_token")
    _fill(wrong, ui, "not-the-token-" + token[:4])
    _save(wrong)
    wrong.close()
    refused = requests.post(f"{instance.api}/connections/test", json={"connection_id": "bigcommerce_wrong_token", "conn_type": "bigcommerce"}, timeout=60)
    assert refused.json()["status"] is False
    assert "the token was rejected" in refused.json()["message"]
    assert token not in refused.text

    # A store API account: the API path says OAuth, the token is the access token.
    oauth = _open_form(ui, "bigcommerce_oauth")
    _fill(oauth, ui, oauth_token_for(token), oauth=True)
    _save(oauth)
    oauth.close()
    tested = requests.post(f"{instance.api}/connections/test", json={"connection_id": "bigcommerce_oauth", "conn_type": "bigcommerce"}, timeout=60)
    assert tested.json()["status"] is True, tested.text
    assert tested.json()["message"].endswith("with a store API account (OAuth; v2 and v3)")

    # The scheduler runs yesterday's pull with the connection the form saved.
    instance.wait_for("the DAG to be parsed", lambda: instance.get(f"/dags/{DAG_ID}"), 180)
    response = requests.patch(f"{instance.api}/dags/{DAG_ID}", json={"is_paused": False}, timeout=30)
    assert response.status_code == 200, response.text

    def done() -> list[dict[str, Any]] | None:
        runs = instance.get(f"/dags/{DAG_ID}/dagRuns")["dag_runs"]
        assert not [r for r in runs if r["state"] == "failed"], runs
        return runs if any(r["state"] == "success" for r in runs) else None

    instance.wait_for("a successful run", done, 300)
    path = ui["output"] / "orders" / f"date={YESTERDAY:%Y-%m-%d}" / "orders.jsonl.gz"
    with gzip.open(path, "rt") as lines:
        pulled = [json.loads(line)["id"] for line in lines]
    low = calendar.timegm(YESTERDAY.timetuple())
    assert pulled == [r["id"] for r in ui["server"].store.records("orders", min_date_modified=low, max_date_modified=low + DAY - 1)]
    assert pulled


@pytest.mark.xfail(
    not _test_button_works(),
    reason="apache/airflow#73298: this Airflow answers the Test button of a connection without a port with 400 Bad Request",
    raises=AssertionError,
    strict=True,
)
def test_the_test_button_names_the_store_or_the_rejected_token(ui: dict[str, Any], token: str) -> None:
    page = _open_form(ui, "bigcommerce_button")
    _fill(page, ui, token)
    _save(page)
    shown = _row_test(page, "bigcommerce_button")
    page.screenshot(path=str(SHOTS / "test-button.png"), full_page=True)
    assert f"Connected to BigCommerce store {ui['server'].store.name!r}" in shown, shown

    page = _open_form(ui, "bigcommerce_button_wrong")
    _fill(page, ui, "not-the-token-" + token[:4])
    _save(page)
    shown = _row_test(page, "bigcommerce_button_wrong")
    page.screenshot(path=str(SHOTS / "test-button-wrong-token.png"), full_page=True)
    assert "the token was rejected" in shown, shown
    assert token not in page.content()
