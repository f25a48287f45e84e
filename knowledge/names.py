"""Matching the names chargers give themselves to the corpus's vendors and models.

For example, a charger's BootNotification may say ``chargePointVendor: "Ácme Power B.V."`` and
``chargePointModel: "AP910-60023"`` while the corpus files that vendor under ``acme/ap-60``. The
:class:`Catalog` resolves one to the other: case, accents, punctuation and company suffixes are
ignored, aliases come from the corpus manifest (data), and a firmware model string that starts
with a known model name (``AP60-T2S`` -> ``ap-60``) resolves to it. No vendor is named in code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

STANDARD_VENDOR = "_standard"
"""Pseudo-vendor of vendor-neutral references (OCPP, ChargeX)."""
STANDARDS_CORPUS = "chargemedic-standards"
"""The corpus of the built-in standards (``knowledge/standards``), synced with every ingest."""

_COMPANY_SUFFIXES = frozenset(
    [
        "bv",
        "nv",
        "gmbh",
        "ag",
        "kg",
        "se",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "plc",
        "oy",
        "ab",
        "as",
        "aps",
        "pty",
        "kk",
    ]
)


def normalise_vendor(name: str) -> str:
    """Lower-case ASCII words of a vendor name without punctuation or company suffixes."""
    words = _ascii_words(name.replace(".", ""))
    while len(words) > 1 and words[-1] in _COMPANY_SUFFIXES:
        words.pop()
    return " ".join(words)


def normalise_model(name: str) -> str:
    """A model name reduced to lower-case ASCII letters and digits (``VX-22`` -> ``vx22``)."""
    return "".join(_ascii_words(name))


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", folded)


@dataclass
class ModelEntry:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)

    def match_keys(self) -> set[str]:
        return {k for k in map(normalise_model, [self.id, self.name, *self.aliases]) if k}


@dataclass
class VendorEntry:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    models: dict[str, ModelEntry] = field(default_factory=dict)

    def match_keys(self) -> set[str]:
        return {k for k in map(normalise_vendor, [self.id, self.name, *self.aliases]) if k}


@dataclass
class Catalog:
    """Vendors and models known to the corpus, with the names chargers may use for them."""

    vendors: dict[str, VendorEntry] = field(default_factory=dict)

    def resolve_vendor(self, name: str | None) -> str | None:
        """The corpus vendor id for a charger-reported vendor name, or ``None`` if unknown. A
        reverse-DNS name (a ``vendorId`` such as ``com.acme.ev``) is also read label by label:
        a label that is exactly a vendor's name or alias names it."""
        if not name or not (wanted := normalise_vendor(name)):
            return None
        if wanted == normalise_vendor(STANDARD_VENDOR):
            return STANDARD_VENDOR
        best: tuple[int, str] | None = None
        for entry in self.vendors.values():
            for key in entry.match_keys():
                score = _vendor_match(wanted, key)
                if score and (best is None or score > best[0]):
                    best = (score, entry.id)
        if best is None and _REVERSE_DNS.fullmatch(name.strip()):
            labels = [label for label in name.strip().lower().split(".")[1:] if len(label) >= 2]
            return next((v for label in labels if (v := self._exact_vendor(label))), None)
        return best[1] if best else None

    def _exact_vendor(self, label: str) -> str | None:
        return next((e.id for e in self.vendors.values() if label in e.match_keys()), None)

    def resolve_model(self, vendor_id: str | None, name: str | None) -> str | None:
        """The corpus model id of ``vendor_id`` for a charger-reported model name, or ``None``."""
        entry = self.vendors.get(vendor_id or "")
        wanted = normalise_model(name or "")
        if entry is None or not wanted:
            return None
        best: tuple[int, str] | None = None
        for model in entry.models.values():
            for key in model.match_keys():
                if wanted == key or (len(key) >= 3 and wanted.startswith(key)):
                    score = len(key) + (1000 if wanted == key else 0)
                    if best is None or score > best[0]:
                        best = (score, model.id)
        return best[1] if best else None

    def to_dict(self) -> dict:
        return {
            v.id: {
                "name": v.name,
                "aliases": v.aliases,
                "models": {m.id: {"name": m.name, "aliases": m.aliases} for m in v.models.values()},
            }
            for v in self.vendors.values()
        }

    @classmethod
    def from_dict(cls, data: dict) -> Catalog:
        vendors = {}
        for vid, v in data.items():
            models = {
                mid: ModelEntry(mid, m.get("name") or mid, list(m.get("aliases") or []))
                for mid, m in (v.get("models") or {}).items()
            }
            vendors[vid] = VendorEntry(vid, v.get("name") or vid, list(v.get("aliases") or []), models)
        return cls(vendors)


_REVERSE_DNS = re.compile(r"[A-Za-z]{2,6}(?:\.[A-Za-z0-9-]+)+")
"""``com.acme.ev``, ``de.acme``: a top-level domain, then one or more labels."""


def _vendor_match(wanted: str, key: str) -> int:
    """0 for no match; higher for better: exact, then whole-word prefix either way."""
    if wanted == key or wanted.replace(" ", "") == key.replace(" ", ""):
        return 3
    if wanted.startswith(key + " ") or key.startswith(wanted + " "):
        return 2
    return 0
