"""Which built-in standard a charger's ``vendorId`` names: the scheme its vendor code belongs to.

A standard's codes may be shaped like any manufacturer's own (EVgo MREC's ``F008`` is also many
vendors' "F008"), so a vendor code alone never finds a standard's entry unless the code is
distinctive. A ``vendorId`` the standard declares (``com.evgo.mrec``: chargers of any brand send
MREC codes with it) says whose code it is; the standard's file lists those ids under
``vendor_ids``. Read from ``knowledge/standards/*.yaml`` once per process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.names import STANDARD_VENDOR

STANDARDS_DIR = Path(__file__).resolve().parent / "standards"
"""Where the built-in standards live; every ingest syncs its ``*.yaml`` as one corpus."""
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def standard_source(path: Path) -> str:
    """The source name a standards file is stored and cited under (``_standard/<file name>``):
    vendor-neutral, like the references under ``_standard/`` in a corpus."""
    return f"{STANDARD_VENDOR}/{path.name}"


def scheme_source(vendor_id: str | None) -> str | None:
    """The source of the built-in standard whose codes chargers send with ``vendor_id``
    (compared without case and surrounding space), or ``None``."""
    key = (vendor_id or "").strip().casefold()
    return _by_vendor_id().get(key) if key else None


@lru_cache(maxsize=1)
def _by_vendor_id() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(STANDARDS_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for vendor_id in data.get("vendor_ids") or []:
            found.setdefault(str(vendor_id).strip().casefold(), standard_source(path))
    return found
