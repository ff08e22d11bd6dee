"""One real ``airflow standalone`` (api-server, scheduler, dag-processor, LocalExecutor) for a test.

It runs in a temporary ``AIRFLOW_HOME`` on loopback ports, in a process group of its own that
``stop()`` kills, so nothing outlives the test that started it.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Airflow:
    """One ``airflow standalone`` in its own home, and a client of its REST API."""

    def __init__(self, home: Path, extra_env: dict[str, str]) -> None:
        port = _free_port()
        self.api = f"http://127.0.0.1:{port}/api/v2"
        self.home = home
        self.env = os.environ | extra_env | {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": base64.b64encode(os.urandom(24)).decode(),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "3",
        }
        (home / "dags").mkdir(parents=True)
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        out = subprocess.run([str(BIN / "airflow"), *args], env=self.env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
        return out.stdout

    def start(self) -> None:
        log = (self.home / "standalone.log").open("wb")
        self.process = subprocess.Popen([str(BIN / "airflow"), "standalone"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def get(self, path: str, **params: Any) -> Any:
        response = requests.get(self.api + path, params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def wait_for(self, what: str, check: Any, seconds: float) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, "airflow standalone exited"
            try:
                result = check()
            except (requests.RequestException, KeyError):
                result = None
            if result:
                return result
            time.sleep(2)
        raise AssertionError(f"timed out waiting for {what}; see {self.home / 'standalone.log'}")
