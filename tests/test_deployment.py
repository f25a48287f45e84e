"""Deployment: the Dockerfile and docker-compose.yml checked as files (no Docker engine runs here),
then the compose topology run natively — PostgreSQL, a Chroma server, the image's `init` step and
two `chargemedic serve` replicas whose environment is the compose file's own."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from pydantic import SecretStr
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.settings import BUNDLED_CORPUS, PROJECT_ROOT, Settings
from app.store.models import ApiKey, AuditEntry, Decision, Event, Fault, WorkItem
from tests.conftest import bearer, free_port, stop_process_group

REPLICAS = ("chargemedic-a", "chargemedic-b")
APP_SERVICES = ("init", *REPLICAS)
LLM_SERVICES = ("ollama", "ollama-pull")
FIXED = {"host": "0.0.0.0", "ocpp_host": "0.0.0.0", "port": "8080", "ocpp_port": "9000", "data_dir": "/data"}
"""Settings the image's layout fixes (bind addresses, container ports, the data volume)."""
TOPOLOGY = ("database_url", "chroma_url", "corpus_dirs")
"""Settings whose compose default differs from the code's: they point at the other services."""
ENTRYPOINT = "/usr/local/bin/chargemedic-entrypoint"


# ---- reading the files ---------------------------------------------------------------------------
@functools.cache
def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def service(name: str) -> dict:
    return compose()["services"][name]


@functools.cache
def pyproject() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def requirement(name: str) -> SpecifierSet:
    """The version specifier pyproject.toml gives dependency ``name``."""
    for line in pyproject()["project"]["dependencies"]:
        match = re.fullmatch(rf"{re.escape(name)}(?:\[[^\]]*\])?\s*(.*)", line.strip())
        if match:
            return SpecifierSet(match.group(1))
    raise KeyError(name)


@functools.cache
def dockerfile() -> str:
    return (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of the Dockerfile in order, continuation lines joined and the
    heredoc bodies left out."""
    text_ = re.sub(r"<<'?(\w+)'?(.*?)\n.*?\n\1\n", r"\2\n", dockerfile(), flags=re.S)
    text_ = re.sub(r"\\\n", " ", text_)
    found = []
    for line in text_.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def entrypoint_script() -> str:
    """The entrypoint the Dockerfile writes with a heredoc."""
    match = re.search(rf"<<'EOF' {re.escape(ENTRYPOINT)}\n(.*?\n)EOF\n", dockerfile(), flags=re.S)
    assert match, f"the Dockerfile writes no {ENTRYPOINT}"
    return match.group(1)


# ---- compose's variable interpolation ------------------------------------------------------------
_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])((?:[^{}]|\{[^{}]*\})*))?\}")


def interpolate(value: str, shell: Mapping[str, str]) -> str:
    """``value`` as compose resolves it against ``shell``: ``${X}``, ``${X:-default}`` (nested
    variables allowed), ``${X:?message}`` (raises ``KeyError``); ``$$`` is a literal ``$``."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        if shell.get(name):
            return shell[name]
        if operator == "?":
            raise KeyError(f"{name}: {argument}")
        return interpolate(argument, shell) if operator == "-" else ""

    return "$".join(_VARIABLE.sub(substitute, part) for part in value.split("$$"))


def container_environment(name: str, shell: Mapping[str, str]) -> dict[str, str]:
    """The environment compose gives service ``name``'s container when run from ``shell``; an
    entry without a value passes the shell's variable through, or nothing."""
    resolved = {}
    for key, raw in (service(name).get("environment") or {}).items():
        if raw is None:
            if key in shell:
                resolved[key] = shell[key]
        else:
            resolved[key] = interpolate(str(raw), shell)
    return resolved


def variable(field: str) -> str:
    return f"CHARGEMEDIC_{field.upper()}"


def published_ports(name: str) -> dict[int, int]:
    """Container port → host port, with compose's defaults."""
    ports = {}
    for entry in service(name).get("ports", []):
        host, container = interpolate(str(entry), {}).rsplit(":", 1)
        ports[int(container)] = int(host.rsplit(":", 1)[-1])
    return ports


def healthcheck_command(name: str) -> list[str]:
    """The service's healthcheck as an argv (``CMD`` stripped, ``CMD-SHELL`` run by sh)."""
    test = service(name)["healthcheck"]["test"]
    if isinstance(test, str):
        return ["sh", "-c", test]
    kind, *argv = test
    return ["sh", "-c", argv[0]] if kind == "CMD-SHELL" else argv


def dependencies(name: str) -> dict[str, str]:
    return {dep: spec["condition"] for dep, spec in (service(name).get("depends_on") or {}).items()}


# ---- compose: structure --------------------------------------------------------------------------
def test_services_and_the_optional_llm_profile():
    services = compose()["services"]
    assert set(services) == {"postgres", "chroma", *APP_SERVICES, *LLM_SERVICES}
    for name, spec in services.items():
        expected = ["llm"] if name in LLM_SERVICES else None
        assert spec.get("profiles") == expected, name
    for name in services:
        if name not in LLM_SERVICES:
            assert not set(dependencies(name)) & set(LLM_SERVICES), f"{name} needs the optional LLM"
    assert container_environment("ollama-pull", {})["OLLAMA_HOST"].split(":")[0] == "ollama", (
        "the model is pulled into the ollama service"
    )


def test_every_image_is_pinned_and_chroma_matches_our_client():
    for name, spec in compose()["services"].items():
        repository, _, tag = spec["image"].rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {spec['image']} is not pinned"
    assert re.fullmatch(r"\d+(\.\d+)*", service("postgres")["image"].split(":")[1])
    chroma_tag = service("chroma")["image"].split(":")[1]
    assert Version(chroma_tag) in requirement("chromadb"), "the server must speak our client's API"
    for name in APP_SERVICES:
        assert service(name)["image"] == f"chargemedic:{pyproject()['project']['version']}"
        assert service(name)["build"] in (".", {"context": "."}), "built from this repository"


def test_each_replica_publishes_http_and_ocpp_on_its_own_host_ports():
    host_ports = []
    for name in REPLICAS:
        ports = published_ports(name)
        assert set(ports) == {int(FIXED["port"]), int(FIXED["ocpp_port"])}, name
        host_ports += ports.values()
    for name in set(compose()["services"]) - set(REPLICAS):
        host_ports += published_ports(name).values()
    assert len(host_ports) == len(set(host_ports)), f"host ports collide: {host_ports}"


def test_every_setting_is_in_each_chargemedic_environment():
    expected = {variable(field) for field in Settings.model_fields}
    for name in APP_SERVICES:
        declared = {key for key in service(name)["environment"] if key.startswith("CHARGEMEDIC_")}
        missing = sorted(expected - declared)
        hint = "\n".join(f'  {v}: "${{{v}:-…}}"' for v in missing)
        assert not missing, f"{name} lacks settings; add to x-chargemedic-environment:\n{hint}"
        assert declared <= expected, f"{name} sets unknown settings: {sorted(declared - expected)}"


def test_every_setting_but_the_image_layout_can_be_set_from_the_shell():
    shell = {variable(field): f"from-shell-{field}" for field in Settings.model_fields}
    for name in APP_SERVICES:
        resolved = container_environment(name, shell | {"POSTGRES_PASSWORD": "pw"})
        for field in Settings.model_fields:
            expected = FIXED.get(field, shell[variable(field)])
            assert resolved.get(variable(field)) == expected, f"{name}: {variable(field)}"


def test_compose_defaults_are_the_code_defaults_and_point_at_the_services(monkeypatch):
    for key in [k for k in os.environ if k.startswith("CHARGEMEDIC_")]:
        monkeypatch.delenv(key)
    code = Settings(_env_file=None)
    environment = container_environment("chargemedic-a", {"POSTGRES_PASSWORD": "pw"})
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    composed = Settings(_env_file=None)
    for field in set(Settings.model_fields) - set(FIXED) - set(TOPOLOGY):
        assert getattr(composed, field) == getattr(code, field), f"{variable(field)} drifted from the code"
    database = make_url(composed.database_url)
    assert (database.drivername, database.host, database.password) == ("postgresql+psycopg", "postgres", "pw")
    assert database.database == service("postgres")["environment"]["POSTGRES_DB"]
    assert composed.chroma_url == "http://chroma:8000"
    assert [Path(workdir()) / path for path in composed.corpus_dirs] == [
        Path("/app") / BUNDLED_CORPUS.relative_to(PROJECT_ROOT)
    ], "the bundled corpus inside the image"


def test_secrets_have_no_default_in_the_compose_file():
    secrets = [f for f, info in Settings.model_fields.items() if SecretStr in _types(info.annotation)]
    assert secrets, "Settings has secret fields"
    for name in APP_SERVICES:
        for field in secrets:
            assert service(name)["environment"][variable(field)] is None, f"{name}: {variable(field)}"


def _types(annotation) -> set:
    return {annotation, *getattr(annotation, "__args__", ())}


def test_healthchecks_probe_each_service_with_tools_its_image_has():
    assert "pg_isready" in healthcheck_command("postgres")[-1]
    chroma = " ".join(healthcheck_command("chroma"))
    assert healthcheck_command("chroma")[0] == "bash" and "/api/v2/heartbeat" in chroma
    assert not re.search(r"\b(curl|wget|python3?)\b", chroma), "the chroma image has none of these"
    for name in REPLICAS:
        command = healthcheck_command(name)
        assert command[0] == "python" and "/readyz" in command[-1], "no curl in the slim image"
    assert healthcheck_command("ollama")[:2] == ["ollama", "list"]
    assert service("init")["healthcheck"] == {"disable": True}, "a one-shot job is never 'healthy'"


def test_named_volumes_are_declared_and_mounted_where_each_image_keeps_its_data():
    declared = set(compose()["volumes"])
    mounts = {
        name: dict(volume.split(":")[:2] for volume in spec.get("volumes", []))
        for name, spec in compose()["services"].items()
    }
    used = {source for by_service in mounts.values() for source in by_service}
    assert used == declared, "every named volume declared at the top level is used, and only those"
    assert "/var/lib/postgresql/data" in mounts["postgres"].values()
    assert "/data" in mounts["chroma"].values(), "chromadb/chroma 1.x persists in /data"
    assert "/root/.ollama" in mounts["ollama"].values()
    for name in APP_SERVICES:
        assert FIXED["data_dir"] in mounts[name].values(), name


def test_only_init_migrates_bootstraps_and_ingests_and_replicas_wait_for_it():
    assert service("init")["command"] == ["init"]
    assert service("init").get("restart") in ("no", "on-failure"), "a one-shot job must not loop"
    assert dependencies("init") == {"postgres": "service_healthy", "chroma": "service_healthy"}
    for name in REPLICAS:
        assert service(name)["command"] == ["serve"], "a replica neither ingests nor bootstraps"
        assert dependencies(name) == {
            "init": "service_completed_successfully",
            "postgres": "service_healthy",
            "chroma": "service_healthy",
        }
    for name in APP_SERVICES:
        assert "entrypoint" not in service(name), "the image's entrypoint selects the mode"


# ---- the Dockerfile ------------------------------------------------------------------------------
def workdir() -> str:
    return [args for keyword, args in final_stage() if keyword == "WORKDIR"][-1]


def test_dockerfile_installs_cpu_torch_before_the_project():
    runs = [args for keyword, args in instructions() if keyword == "RUN"]
    torch_pin = str(requirement("torch"))
    torch_run = next(i for i, args in enumerate(runs) if "download.pytorch.org/whl/cpu" in args)
    assert f"torch{torch_pin}" in runs[torch_run], "the same torch version as pyproject.toml"
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch_run]
    project_runs = [i for i, args in enumerate(runs) if "pip install" in args and i != torch_run]
    assert project_runs and min(project_runs) > torch_run, "torch first, or pip pulls CUDA wheels"


def test_dockerfile_runtime_stage_essentials():
    stage = final_stage()
    users = [args for keyword, args in stage if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "runs as a non-root user"
    env = " ".join(args for keyword, args in stage if keyword == "ENV")
    for key in ("host", "ocpp_host", "data_dir"):
        assert f"{variable(key)}={FIXED[key]}" in env
    exposed = {int(p.split("/")[0]) for k, args in stage if k == "EXPOSE" for p in args.split()}
    assert exposed == {int(FIXED["port"]), int(FIXED["ocpp_port"])}
    assert any(k == "VOLUME" and FIXED["data_dir"] in args for k, args in stage)
    health = [args for keyword, args in stage if keyword == "HEALTHCHECK"]
    assert health and "python" in health[0] and re.search(r"/(readyz|healthz)", health[0])
    entry = [args for keyword, args in stage if keyword == "ENTRYPOINT"]
    assert entry and json.loads(entry[0]) == [Path(ENTRYPOINT).name]


def test_dockerfile_proves_the_packaged_model_loads_offline():
    checks = [
        args
        for keyword, args in final_stage()
        if keyword == "RUN" and "HF_HUB_OFFLINE=1" in args and "embed_function" in args
    ]
    assert checks, "a build step embeds a sentence through app.knowledge with the hub offline"
    assert "--network=none" in checks[0], "offline for real: the step has no network at all"
    assert "384" in checks[0], "the vector's dimension is checked"


def test_image_holds_every_package_and_the_prompts_and_dockerignore_keeps_local_state_out():
    sources = [args.split() for k, args in instructions() if k == "COPY" and "--from" not in args]
    copied = {next(a for a in parts if not a.startswith("--")).rstrip("/") for parts in sources}
    packages = {p.rstrip("*") for p in pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages | {"prompts", "pyproject.toml"} <= copied
    ignored = {
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".env", "data", ".git"} <= ignored
    assert not ignored & (copied | {"knowledge/corpus"}), "nothing the image needs is ignored"


def python_steps(run: str) -> list[str]:
    """The code of every ``python -c CODE`` in a RUN instruction's shell command."""
    words = shlex.split(run)
    return [words[i + 2] for i, word in enumerate(words[:-2]) if word == "python" and words[i + 1] == "-c"]


@pytest.mark.slow
def test_dockerfile_build_checks_pass_on_this_environment():
    """The build's own Python steps (requirements, CPU-only torch, the offline model check) run
    here as written: a typo in them would otherwise surface only in a Docker build."""
    steps = [code for keyword, args in instructions() if keyword == "RUN" for code in python_steps(args)]
    assert len(steps) == 3, steps
    offline = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEMEDIC_")} | {
        "HF_HUB_OFFLINE": "1"
    }
    for code in steps:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT_ROOT,
            env=offline,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{code}\n{done.stderr[-2000:]}"
        if "tomllib" in code:
            assert done.stdout.split("\n")[:-1] == pyproject()["project"]["dependencies"]


# ---- the entrypoint's modes, with stand-ins for the programs it runs ------------------------------
def run_entrypoint(tmp_path: Path, *args: str, ingest_status: int = 0) -> tuple[int, list[str]]:
    """Run the entrypoint with fake ``chargemedic`` and ``python`` that log their arguments."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir(exist_ok=True)
    for program in ("chargemedic", "python"):
        fake = bin_dir / program
        fake.write_text(
            f'#!/bin/sh\necho "{program} $*" | head -n 1 >> "$LOG"\n'
            '[ "$1" = ingest ] && exit "$INGEST_STATUS"\nexit 0\n'
        )
        fake.chmod(0o755)
    script = tmp_path / "entrypoint"
    script.write_text(entrypoint_script())
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "LOG": str(log), "INGEST_STATUS": str(ingest_status)}
    done = subprocess.run(["sh", str(script), *args], env=env, capture_output=True, timeout=10)
    calls = log.read_text().split("\n")[:-1] if log.exists() else []
    return done.returncode, [call.strip() for call in calls]


def test_entrypoint_alone_ingests_then_serves_and_stops_if_ingest_fails(tmp_path: Path):
    assert run_entrypoint(tmp_path) == (0, ["chargemedic ingest", "chargemedic serve"])
    (tmp_path / "calls.log").unlink()
    status, calls = run_entrypoint(tmp_path, "start", ingest_status=1)
    assert status != 0 and calls == ["chargemedic ingest"], "never serves an empty knowledge base"


def test_entrypoint_init_bootstraps_then_ingests_and_serve_only_serves(tmp_path: Path):
    status, calls = run_entrypoint(tmp_path, "init")
    assert status == 0 and len(calls) == 2 and calls[1] == "chargemedic ingest"
    assert calls[0] == "python -c from app.cli_keys import bootstrap_admin_key", "the key comes first"
    (tmp_path / "calls.log").unlink()
    assert run_entrypoint(tmp_path, "serve") == (0, ["chargemedic serve"])
    (tmp_path / "calls.log").unlink()
    assert run_entrypoint(tmp_path, "chargemedic", "keys", "create") == (0, ["chargemedic keys create"])


# ---- the topology, natively ----------------------------------------------------------------------
@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the test server (``cm_topo_<pid>``), dropped afterwards."""
    base = postgres_url
    name = f"cm_topo_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


class Topology:
    """The compose services' processes on loopback; every one is stopped by :meth:`close`."""

    def __init__(self, tmp_path: Path, database: str, chroma_url: str, corpus: Path) -> None:
        self.tmp_path = tmp_path
        self.entrypoint = tmp_path / "chargemedic-entrypoint"
        self.entrypoint.write_text(entrypoint_script())
        self.shared = {
            "CHARGEMEDIC_DATABASE_URL": database,
            "CHARGEMEDIC_CHROMA_URL": chroma_url,
            "CHARGEMEDIC_CORPUS_DIRS": json.dumps([str(corpus)]),
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.env: dict[str, dict[str, str]] = {}

    def environment(self, name: str) -> dict[str, str]:
        """``name``'s compose environment, with loopback addresses, free ports and its own data folder."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEMEDIC_")}
        inherited["PATH"] = f"{Path(sys.executable).parent}:{inherited.get('PATH', '/usr/bin:/bin')}"
        loopback = {
            "CHARGEMEDIC_HOST": "127.0.0.1",
            "CHARGEMEDIC_OCPP_HOST": "127.0.0.1",
            "CHARGEMEDIC_PORT": str(free_port()),
            "CHARGEMEDIC_OCPP_PORT": str(free_port()),
            "CHARGEMEDIC_DATA_DIR": str(self.tmp_path / name),
        }
        composed = container_environment(name, {"POSTGRES_PASSWORD": "unused"})
        return inherited | composed | self.shared | loopback

    def run(self, name: str, *args: str) -> subprocess.CompletedProcess:
        self.env.setdefault(name, self.environment(name))
        command = ["sh", str(self.entrypoint), *args]
        return subprocess.run(command, env=self.env[name], capture_output=True, text=True, timeout=180)

    def start(self, name: str, *args: str) -> None:
        self.env[name] = self.environment(name)
        with (self.tmp_path / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                ["sh", str(self.entrypoint), *args],
                env=self.env[name],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def base(self, name: str) -> str:
        return f"http://127.0.0.1:{self.env[name]['CHARGEMEDIC_PORT']}"

    def wait_ready(self, names: tuple[str, ...], seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        pending = set(names)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                if self.processes[name].poll() is not None:
                    pytest.fail(f"{name} exited:\n{self.log(name)}")
                try:
                    if httpx.get(f"{self.base(name)}/readyz", timeout=2).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        assert not pending, "not ready: " + "\n".join(f"{n}:\n{self.log(n)}" for n in pending)

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]

    def close(self) -> None:
        for process in self.processes.values():
            stop_process_group(process)


@pytest.fixture
def topology(tmp_path: Path, database: str, chroma_url: str, corpus: Path):
    running = Topology(tmp_path, database, chroma_url, corpus)
    try:
        yield running
    finally:
        running.close()


def fault_event(n: int) -> dict:
    """The n-th CSMS event: a fault on its own charger (so no two wait on each other's order)."""
    return {
        "event_id": f"topo-{n}",
        "charger_id": f"CP-{n:03d}",
        "ocpp_version": "1.6",
        "charger": {"vendor": "ACME", "model": "DC-50", "site_id": f"site-{n % 4}"},
        "status_notification": {
            "connectorId": 1,
            "errorCode": ("GroundFailure", "HighTemperature", "PowerMeterFailure", "OtherError")[n % 4],
            "status": "Faulted",
            "vendorErrorCode": ("F005", "F012", "E-31", "F001")[n % 4],
            "timestamp": "2026-11-23T10:00:00Z",
        },
    }


async def post_alternately(bases: list[str], key: str, events: list[dict]) -> list[httpx.Response]:
    """Post ``events`` concurrently, the i-th to ``bases[i % len(bases)]``."""
    async with httpx.AsyncClient(headers=bearer(key), timeout=30) as client:
        return await asyncio.gather(
            *(client.post(f"{bases[i % len(bases)]}/v1/events", json=e) for i, e in enumerate(events))
        )


def wait_until_processed(engine, faults: int, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            open_items = connection.scalar(
                select(func.count()).select_from(WorkItem).where(WorkItem.finished_at.is_(None))
            )
            decided = connection.scalar(select(func.count(func.distinct(Decision.fault_id))))
        if open_items == 0 and decided >= faults:
            return
        time.sleep(0.3)
    pytest.fail(f"after {seconds} s: {open_items} work items open, {decided} of {faults} faults decided")


def owner_pid(owner: str) -> int:
    """The process id inside a worker id (``host:pid:random:index``, see app.worker.worker_id)."""
    return int(owner.split(":")[-3])


@pytest.mark.slow
def test_two_replicas_on_postgres_and_chroma_store_each_event_once_and_decide_each_fault_once(
    topology: Topology, database: str
):
    init = topology.run("init", *service("init")["command"])
    assert init.returncode == 0, init.stdout + init.stderr
    admin_key = re.search(r"\bcm_[0-9a-f]+_[\w-]+", init.stdout).group(0)
    for name in REPLICAS:
        topology.start(name, *service(name)["command"])
    topology.wait_ready(REPLICAS)
    created = topology.run("chargemedic-a", "chargemedic", "keys", "create", "--role", "csms")
    assert created.returncode == 0, created.stderr
    csms_key = created.stdout.strip().splitlines()[-1]

    bases = [topology.base(name) for name in REPLICAS]
    events = [fault_event(n) for n in range(40)]
    first = asyncio.run(post_alternately(bases, csms_key, events))
    unexpected = [(r.status_code, r.text[:300]) for r in first if r.status_code != 202]
    assert not unexpected, f"{len(unexpected)} not accepted: {unexpected[:3]}\n{topology.log(REPLICAS[0])}"
    again = asyncio.run(post_alternately(bases[::-1], csms_key, events[:10]))
    assert all(r.status_code == 200 and r.json()["duplicate"] for r in again), "idempotent across replicas"

    engine = create_engine(database)
    try:
        wait_until_processed(engine, faults=len(events))
        with engine.connect() as db:
            stored = Counter(db.scalars(select(Event.external_id)))
            faults = set(db.scalars(select(Fault.id)))
            decisions = Counter(db.scalars(select(Decision.fault_id)))
            items = db.execute(
                select(WorkItem.fault_id, WorkItem.kind, WorkItem.state, WorkItem.lease_owner)
            ).all()
            decided = db.execute(
                select(AuditEntry.fault_id, AuditEntry.actor).where(AuditEntry.kind == "fault.decided")
            ).all()
            admins = db.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.role == "admin"))
    finally:
        engine.dispose()

    assert stored == Counter({e["event_id"]: 1 for e in events}), "every accepted event stored once"
    assert len(faults) == len(events) and decisions == Counter(dict.fromkeys(faults, 1))
    assert Counter(fault for fault, *_ in items) == Counter(dict.fromkeys(faults, 1))
    assert {(kind, state) for _, kind, state, _ in items} == {("process_fault", "done")}
    owners = {fault: owner for fault, _, _, owner in items}
    assert sorted(decided) == sorted((fault, f"worker:{owners[fault]}") for fault in faults)
    pids = Counter(owner_pid(owner) for owner in owners.values())
    assert set(pids) == {topology.processes[name].pid for name in REPLICAS}, f"work per process: {pids}"
    assert admins == 1, "only init bootstrapped an admin key"

    fault_id = first[0].json()["faults_opened"][0]
    seen_by_b = httpx.get(f"{bases[1]}/v1/faults/{fault_id}", headers=bearer(admin_key), timeout=10)
    assert seen_by_b.status_code == 200 and seen_by_b.json()["decisions"], "one database behind both"
    for name in REPLICAS:
        ready = httpx.get(f"{topology.base(name)}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        for probe in (healthcheck_command(name), image_healthcheck()):
            done = subprocess.run(probe, env=topology.env[name], capture_output=True, timeout=10)
            assert done.returncode == 0, f"{name} healthcheck {probe}: {done.stderr!r}"


def image_healthcheck() -> list[str]:
    """The Dockerfile's HEALTHCHECK command as an argv."""
    health = next(args for keyword, args in final_stage() if keyword == "HEALTHCHECK")
    return json.loads(health[health.index("CMD") + 3 :].strip())


@pytest.mark.slow
def test_chroma_healthcheck_passes_on_a_live_server_and_fails_on_a_closed_port(chroma_url: str):
    port = chroma_url.rsplit(":", 1)[1]
    command = [part.replace("$$", "$") for part in healthcheck_command("chroma")]

    def probe(at_port: str) -> int:
        argv = [part.replace("/127.0.0.1/8000", f"/127.0.0.1/{at_port}") for part in command]
        return subprocess.run(argv, capture_output=True, timeout=10).returncode

    assert probe(port) == 0
    assert probe(str(free_port())) != 0, "nothing listening"
    command = [part.replace("/api/v2/heartbeat", "/api/v2/no-such-endpoint") for part in command]
    assert probe(port) != 0, "a status other than 200 fails the check"


def test_interpolation_follows_compose_rules():
    shell = {"A": "a", "EMPTY": ""}
    assert interpolate("${A:-x}/${B:-y}/${EMPTY:-z}", shell) == "a/y/z"
    assert interpolate("${B:-pre-${A}-post}", shell) == "pre-a-post"
    assert interpolate("cost $$5 ${A}", shell) == "cost $5 a"
    with pytest.raises(KeyError, match="B: needed"):
        interpolate("${B:?needed}", shell)
