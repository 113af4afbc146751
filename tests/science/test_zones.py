import pytest

from coach.science.zones import Zone, hr_zones_by_lthr, hr_zones_by_max, power_zones, zone_of


def lows(zones: list[Zone]) -> list[float]:
    return [zone.low for zone in zones]


def highs(zones: list[Zone]) -> list[float | None]:
    return [zone.high for zone in zones]


def test_coggan_power_zones_match_the_wahoo_elemnt_file() -> None:
    # The ELEMNT reference file stores 121/165/198/231/264/330 W for FTP 220 W.
    zones = power_zones(220.0)
    assert [zone.number for zone in zones] == [1, 2, 3, 4, 5, 6, 7]
    assert highs(zones) == pytest.approx([121, 165, 198, 231, 264, 330, None])
    assert zones[0].low == 0.0
    assert zones[3].name == "Lactate threshold"


@pytest.mark.parametrize(
    ("watts", "zone_number"),
    [(0.0, 1), (164.9, 2), (165.0, 3), (230.0, 4), (231.0, 5), (329.0, 6), (330.0, 7), (1500.0, 7)],
)
def test_power_zone_lookup_uses_inclusive_lower_bounds(watts: float, zone_number: int) -> None:
    zone = zone_of(watts, power_zones(220.0))
    assert zone is not None
    assert zone.number == zone_number


def test_coggan_hr_zones_are_percent_of_lthr() -> None:
    zones = hr_zones_by_lthr(170.0)
    assert lows(zones) == pytest.approx([0.0, 115.6, 141.1, 159.8, 178.5])
    assert highs(zones) == pytest.approx([115.6, 141.1, 159.8, 178.5, None])


def test_max_hr_zones_start_at_half_of_max() -> None:
    zones = hr_zones_by_max(190.0)
    assert lows(zones) == pytest.approx([95, 114, 133, 152, 171])
    assert highs(zones) == pytest.approx([114, 133, 152, 171, None])
    assert zone_of(90.0, zones) is None
    zone = zone_of(171.0, zones)
    assert zone is not None
    assert zone.name == "Maximum"


def test_zones_need_a_positive_threshold() -> None:
    with pytest.raises(ValueError, match="threshold"):
        power_zones(0.0)
