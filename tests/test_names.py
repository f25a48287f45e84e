import pytest

from knowledge.names import STANDARD_VENDOR, Catalog, normalise_vendor

CATALOG = Catalog.from_dict(
    {
        "helios": {
            "name": "Hélios Power B.V.",
            "aliases": ["HÉLIOS POWER"],
            "models": {"hx-60": {"name": "HX-60", "aliases": ["NG910-60023"]}, "h7-duo": {"name": "H7 Duo"}},
        },
        "voltra": {
            "name": "Voltra Energy Systems GmbH",
            "models": {"vx-22": {"name": "VX-22"}, "vx-dc150": {"name": "VX-DC150"}},
        },
        "weidmuller": {"name": "Weidmüller"},
    }
)


@pytest.mark.parametrize(
    ("reported", "vendor"),
    [
        ("Helios Power BV", "helios"),
        ("HÉLIOS POWER", "helios"),
        ("hélios power b.v.", "helios"),
        ("Voltra Energy Systems GmbH", "voltra"),
        ("VOLTRA", "voltra"),
        ("Voltra Energy Systems", "voltra"),
        ("Weidmüller", "weidmuller"),
        ("WEIDMULLER GmbH & Co. KG", "weidmuller"),
        ("_standard", STANDARD_VENDOR),
        ("com.voltra.ev", "voltra"),  # a reverse-DNS vendorId names its maker by a label
        ("de.weidmuller", "weidmuller"),
        ("com.acme.ev", None),
        ("Unknown Corp", None),
        ("", None),
        (None, None),
    ],
)
def test_vendor_names_resolve_despite_case_accents_and_suffixes(reported, vendor):
    assert CATALOG.resolve_vendor(reported) == vendor


@pytest.mark.parametrize(
    ("vendor", "reported", "model"),
    [
        ("helios", "NG910-60023", "hx-60"),
        ("helios", "HX60", "hx-60"),
        ("helios", "h7 duo", "h7-duo"),
        ("voltra", "VX22-T2S", "vx-22"),
        ("voltra", "VX-DC150-CCS", "vx-dc150"),
        ("voltra", "ZZ-9", None),
        ("nobody", "VX-22", None),
    ],
)
def test_model_names_resolve_by_alias_or_firmware_prefix(vendor, reported, model):
    assert CATALOG.resolve_model(vendor, reported) == model


def test_company_suffixes_are_dropped_but_a_single_word_is_kept():
    assert normalise_vendor("Kestrel EV Technologies Ltd.") == "kestrel ev technologies"
    assert normalise_vendor("Inc") == "inc"


def test_catalog_round_trips_through_its_stored_form():
    assert Catalog.from_dict(CATALOG.to_dict()).to_dict() == CATALOG.to_dict()
