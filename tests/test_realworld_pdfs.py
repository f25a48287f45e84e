"""The real-world corpus's PDFs are exactly what their renderers make (run as the scripts they are)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RENDERERS = sorted((ROOT / "evals/realworld").glob("render*.py"))


@pytest.mark.parametrize("script", RENDERERS, ids=lambda p: p.name)
def test_the_committed_pdf_is_what_its_renderer_makes(script: Path):
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, cwd=ROOT)
    reports = done.stdout.splitlines()  # one line per PDF the script renders
    assert done.returncode == 0, done.stdout + done.stderr
    assert reports and set(reports) == {"up to date"}, done.stdout + done.stderr


def test_a_changed_pdf_is_reported(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "evals/realworld"))
    try:
        from pdf_output import write_or_check
    finally:
        sys.path.pop(0)
    out = tmp_path / "doc.pdf"
    assert write_or_check(out, b"%PDF-1", []) == 0 and out.read_bytes() == b"%PDF-1"
    assert write_or_check(out, b"%PDF-2", ["--check"]) == 1
    assert out.read_bytes() == b"%PDF-1", "--check never writes"
