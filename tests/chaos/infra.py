"""Real services the chaos scenarios start, break and restart: a private PostgreSQL cluster, a
Chroma server, and ``chargemedic serve``. Each runs in its own process group, so it is ended —
with everything it spawned — even when a test fails."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine

from knowledge.store import open_client
from tests.conftest import free_port, stop_process_group

BIN = Path(sys.executable).parent


def wait_for(predicate, timeout: float, what: str, every: float = 0.1):
    """Poll ``predicate`` until it returns something true (returned), or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:g} s")


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL ``process`` and its whole group (started with ``start_new_session``), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (``initdb`` in a temporary folder, a free loopback port),
    so stopping and restarting it never touches the machine's shared server. As root the
    binaries run as the ``postgres`` user, who owns the folder."""

    def __init__(self, bin_dir: Path, root: Path, run_as: list[str]) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.running = False
        self._run_as = run_as

    @classmethod
    def create(cls) -> PrivatePostgres:
        """``initdb`` a new cluster; skips the test when PostgreSQL's server binaries are missing."""
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
        root = Path(tempfile.mkdtemp(prefix="chargemedic-chaos-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                owner = None
            if owner is None or shutil.which("runuser") is None:
                shutil.rmtree(root)
                pytest.skip("running as root without a 'postgres' user and runuser to run PostgreSQL as")
            os.chown(root, owner.pw_uid, owner.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"]
        cluster = cls(Path(found[-1]).parent, root, run_as)
        cluster._run(
            "initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"
        )
        return cluster

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def fresh_database(self, name: str) -> str:
        """An empty database ``name`` (dropped first if it exists); its URL."""
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return self.url(name)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start"
        )
        self.running = True

    def stop(self) -> None:
        """A fast shutdown: open connections are ended, committed work is kept."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.running = False

    def ensure_running(self) -> None:
        if not self.running:
            self.start()

    def destroy(self) -> None:
        subprocess.run(
            [*self._run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self._run_as, str(self.bin_dir / program), *args], capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr or done.stdout}")


class ChromaServer:
    """``chroma run`` serving the store folder ``path`` on a free loopback port."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [str(BIN / "chroma"), "run", "--path", str(self.path), "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for(self._answers, 30, "the chroma server answering its heartbeat")
        except BaseException:
            self.kill()
            raise

    def kill(self) -> None:
        kill_group(self.process)

    def _answers(self) -> bool:
        try:
            open_client(url=self.url).heartbeat()
        except Exception:
            return False
        return True


class Serve:
    """A ``chargemedic serve`` process on a free port, in ``data_dir``; ``env`` holds its
    ``CHARGEMEDIC_*`` settings (none is inherited from this process, no ``.env`` is read)."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.log = data_dir / "serve.log"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEMEDIC_")}
        self.env = inherited | {
            "CHARGEMEDIC_DATA_DIR": str(data_dir),
            "CHARGEMEDIC_PORT": str(self.port),
            "CHARGEMEDIC_GATEWAY": "false",
            "CHARGEMEDIC_LOG_LEVEL": "warning",
            **env,
        }
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:  # a file, not a pipe: an unread pipe would block the server
            self.process = subprocess.Popen(
                [str(BIN / "chargemedic"), "serve"],
                cwd=self.data_dir,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        wait_for(self._healthy, 90, f"chargemedic serve answering /healthz (log: {self.log})")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        kill_group(self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"chargemedic serve exited: {self.log.read_text(errors='replace')[-3000:]}")
        try:
            return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


class InThread:
    """``app`` served by uvicorn on a free loopback port from a thread of this process (a real
    HTTP server without the start-up cost of a new process)."""

    def __init__(self, app) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="chaos-uvicorn", daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> InThread:
        self.thread.start()
        wait_for(lambda: self.server.started or not self.thread.is_alive(), 60, "uvicorn starting")
        assert self.server.started, "uvicorn did not start (see the log above)"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)
