"""One benchmark number, and the JSON file that carries a benchmark's numbers to `make bench`.

Every benchmark module returns its numbers as :class:`Measure` objects from ``run()`` and, given
``--json PATH``, writes them to ``PATH``::

    {"measures": [{"group": "agent", "name": "fault → committed decision, p95", "value": 41.9,
                   "unit": "ms", "target": "≤ 50 ms", "met": true}, ...]}

``python -m evals.bench_all`` reads these files (and any other file of the same shape given with
``--include``) into one table. ``target`` and ``met`` are ``null`` for a number without a target.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measure:
    group: str
    """The area measured: "knowledge", "intake", "agent", "ocpp", ..."""
    name: str
    value: float
    unit: str
    """"%", "ms", "s", "events/s", ... or "" for a plain number (a recall, a count)."""
    target: str | None = None
    """The target as people read it ("≤ 50 ms"), or None when the number has none."""
    met: bool | None = None
    """Whether the value meets the target; None when there is no target."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict, default_group: str | None = None) -> Measure:
        """A measure from its JSON form; ``default_group`` stands in for a missing ``group``."""
        if not isinstance(raw, dict):
            raise ValueError(f"a measure must be an object, not {raw!r}")
        try:
            group = raw.get("group") or default_group
            if not group:
                raise KeyError("group")
            value = float(raw["value"])
            met = raw.get("met")
            if met is not None and not isinstance(met, bool):
                raise ValueError(f"measure {raw['name']!r}: met must be true, false or null")
            return cls(
                group=str(group),
                name=str(raw["name"]),
                value=value,
                unit=str(raw.get("unit") or ""),
                target=None if raw.get("target") is None else str(raw["target"]),
                met=met,
            )
        except KeyError as exc:
            raise ValueError(f"measure {raw!r} lacks {exc}") from exc
        except TypeError as exc:
            raise ValueError(f"measure {raw!r}: {exc}") from exc


def checked(
    group: str,
    name: str,
    value: float,
    unit: str,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    equals: float | None = None,
) -> Measure:
    """A measure with a numeric target: its text ("≤ 50 ms") and whether ``value`` meets it."""
    given = [(s, v) for s, v in (("≤", at_most), ("≥", at_least), ("=", equals)) if v is not None]
    if len(given) != 1:
        raise TypeError("give exactly one of at_most, at_least, equals")
    ((sign, limit),) = given
    if sign == "≤":
        met = value <= limit
    elif sign == "≥":
        met = value >= limit
    else:
        met = value == limit
    target = f"{sign} {limit:g}" + (f" {unit}" if unit else "")
    return Measure(group, name, value, unit, target, met)


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the measures to PATH (for `make bench`)"
    )


def bench_main(run: Callable[[], list[Measure]], description: str | None, argv: list[str] | None) -> int:
    """The ``main`` of a benchmark module: ``[--json PATH]``, run it, write its measures."""
    parser = argparse.ArgumentParser(description=description)
    add_json_argument(parser)
    args = parser.parse_args(argv)
    measures = run()
    if args.json:
        write_measures(args.json, measures)
    return 0


def write_measures(path: Path, measures: list[Measure]) -> None:
    for m in measures:
        if not math.isfinite(m.value):
            raise ValueError(f"measure {m.name!r} is not a finite number: {m.value}")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"measures": [m.to_dict() for m in measures]}, ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def read_measures(path: Path, default_group: str | None = None) -> list[Measure]:
    """The measures in ``path``: ``{"measures": [...]}`` (what ``--json`` and bench_all write) or a
    bare list of measures. ``ValueError`` (or ``OSError``) when it cannot be read."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from exc
    raw = document.get("measures") if isinstance(document, dict) else document
    if not isinstance(raw, list):
        raise ValueError(f'{path}: expected {{"measures": [...]}} or a list of measures')
    return [Measure.from_dict(item, default_group) for item in raw]
