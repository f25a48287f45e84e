"""The command line every real-world PDF renderer shares: write the PDF, or ``--check`` that the
committed one is byte-for-byte what the renderer makes (exit 1 when it differs)."""

from __future__ import annotations

from pathlib import Path


def write_or_check(out: Path, data: bytes, argv: list[str]) -> int:
    """Write ``data`` to ``out``; with ``--check`` in ``argv`` only compare, and say which."""
    if "--check" in argv:
        same = out.exists() and out.read_bytes() == data
        print("up to date" if same else f"differs: {out}")
        return 0 if same else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"wrote {out} ({len(data)} bytes)")
    return 0
