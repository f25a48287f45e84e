"""The gateway reads a charger's transaction times as the intake reads event times: an absurd
clock (year 1, year 9999, days ahead) is not used; a plausible skew is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.chargers.station import parse_time


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "not a time", None, "+99999-01-01T00:00:00"]
)
def test_an_unusable_charger_time_becomes_the_time_of_receipt(value):
    before = datetime.now(UTC)
    assert before <= parse_time(value) <= datetime.now(UTC)


def test_a_skewed_but_plausible_time_is_kept():
    skewed = datetime.now(UTC) - timedelta(hours=3)
    assert parse_time(skewed.isoformat()) == skewed
    assert parse_time(skewed.replace(tzinfo=None).isoformat()) == skewed  # naive = UTC
