"""The test suite's PostgreSQL: the local server by default, so `make test` runs the PostgreSQL
variants wherever one answers on loopback; skipped with the reason when none does or when
``CHARGEMEDIC_TEST_DATABASE_URL`` is empty; a failure when the variable names one that is down."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from tests.conftest import (
    DEFAULT_PG_URL,
    PG_PROBE_SECONDS,
    PG_URL_VARIABLE,
    free_port,
    postgres_or_skip,
    postgres_probe,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def local_server() -> None:
    if postgres_probe(None)[0] is None:
        pytest.skip(f"no PostgreSQL answers at {DEFAULT_PG_URL}")


def test_unset_means_the_local_server_empty_means_none_and_a_named_server_must_answer():
    local_server()
    assert postgres_or_skip(None) == DEFAULT_PG_URL
    with pytest.raises(pytest.skip.Exception, match=f"^{PG_URL_VARIABLE} is set empty: the PostgreSQL tests"):
        postgres_or_skip("")
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    with pytest.raises(pytest.fail.Exception, match=re.escape(f"PostgreSQL at {down} is unreachable")):
        postgres_or_skip(down)


def test_an_unreachable_server_is_reported_quickly_by_its_url_without_its_password():
    url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{free_port()}/test"
    started = time.monotonic()
    found, reason = postgres_probe(url)
    assert found is None and time.monotonic() - started < PG_PROBE_SECONDS + 2
    assert re.match(
        r"PostgreSQL at postgresql\+psycopg://postgres:\*\*\*@127\.0\.0\.1:\d+/test is unreachable", reason
    )
    assert "s3cret" not in reason and f"set {PG_URL_VARIABLE} (empty: skip these tests)" in reason


@pytest.mark.slow
def test_a_plain_pytest_run_runs_the_postgresql_variants():
    """What `make test` does: no variable set, and the database tests run on PostgreSQL too."""
    local_server()
    env = {k: v for k, v in os.environ.items() if k != PG_URL_VARIABLE}
    test = "tests/test_migrations.py::test_migrated_schema_matches_the_models"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", test, "-p", "no:cacheprovider", "-rs", "-v"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert re.search(r"models\[postgresql\] PASSED", done.stdout), done.stdout + done.stderr
