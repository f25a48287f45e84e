"""The command line, run in-process through Typer's runner."""

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.settings import PROJECT_ROOT, settings_table

runner = CliRunner()


def test_help_lists_the_commands():
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "search", "serve", "settings"):
        assert command in result.output


def test_ingest_then_search_from_the_terminal(corpus: Path, tmp_path: Path):
    data = tmp_path / "data"
    first = runner.invoke(cli, ["ingest", str(corpus), "--store", str(data), "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["added"] == 6 + report["builtin"]  # the corpus's files and the built-in standards
    again = runner.invoke(cli, ["ingest", str(corpus), "--store", str(data), "--json"])
    assert json.loads(again.stdout)["unchanged"] == 6 + report["builtin"]
    found = runner.invoke(
        cli,
        [
            "search",
            "isolation fault",
            "--vendor",
            "ACME",
            "--model",
            "DC-50",
            "--code",
            "F005",
            "-k",
            "2",
            "--store",
            str(data),
        ],
    )
    assert found.exit_code == 0
    assert "[1]" in found.stdout and "Code F005" in found.stdout and "acme/dc-50/" in found.stdout


def test_exit_code_reflects_failures(tmp_path: Path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nothing")
    data = str(tmp_path / "data")
    result = runner.invoke(cli, ["ingest", str(folder), "--store", data])
    assert result.exit_code == 1, "nothing could be ingested"
    assert "broken.pdf" in result.output
    (folder / "ok.md").write_text("# Notes\nCheck the RCD monthly.\n")
    assert runner.invoke(cli, ["ingest", str(folder), "--store", data]).exit_code == 0
    assert runner.invoke(cli, ["ingest", str(folder), "--store", data, "--strict"]).exit_code == 1


def test_readme_configuration_table_matches_the_settings():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "README table is stale: run `chargemedic settings --markdown`"


def test_chargers_add_registers_a_hashed_password_it_shows_once(tmp_path: Path, monkeypatch):
    from app.chargers.credentials import check_password
    from app.store.db import make_engine, session_scope
    from app.store.models import Charger

    monkeypatch.setenv("CHARGEMEDIC_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(cli, ["chargers", "add", "CP-7", "--site", "site-a", "--vendor", "Voltra"])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    assert 16 <= len(password) <= 40
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'chargemedic.db'}")
    with session_scope(engine) as session:
        row = session.get(Charger, "CP-7")
        assert (row.site_id, row.vendor) == ("site-a", "Voltra")
        assert password not in row.password_hash and check_password(password, row.password_hash)
    short = runner.invoke(cli, ["chargers", "add", "CP-7", "--password", "too-short"])
    assert short.exit_code == 2 and "16–40" in short.output


def _command_paths(group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _command_paths(command, (*prefix, name))


def test_help_shows_flags_as_flags_on_every_command():
    """A flag takes no value, so no help screen shows a type beside one (``--json <bool>``)."""
    import typer.main

    paths = [(), *_command_paths(typer.main.get_command(cli))]
    assert {("ingest",), ("eval",), ("keys", "create"), ("chargers", "add")} <= set(paths)
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, f"chargemedic {' '.join(path)} --help shows a flag's type"
    ingest = runner.invoke(cli, ["ingest", "--help"]).output
    assert "--rebuild" in ingest and "--no-rebuild" in ingest and "<path>" in ingest  # values keep theirs
