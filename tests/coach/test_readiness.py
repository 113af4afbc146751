"""The rules coach: each rule, their precedence, and honesty about missing data."""

from __future__ import annotations

import pytest

from coach import i18n
from coach.readiness import Action, FormStatus, ReadinessInputs, suggest
from coach.science.recovery import Band, HrvStatus, RestingHrStatus, SleepStatus

LN60 = 4.0943  # ln 60


def hrv(
    band: Band = Band.WITHIN, *, today: float | None = 60.0, baseline_ln: float = LN60, dip: bool = False
) -> HrvStatus:
    return HrvStatus(
        today_rmssd_ms=today,
        baseline_ln=baseline_ln,
        range_low_ln=LN60 - 0.05,
        range_high_ln=LN60 + 0.05,
        values_in_baseline=7,
        values_in_range=60,
        band=band,
        acute_dip=dip,
    )


def rhr(elevated: int = 0) -> RestingHrStatus:
    return RestingHrStatus(
        today_bpm=48.0 + 6 * (elevated > 0), mean_60d_bpm=48.0, mean_7d_bpm=48.5, elevated_mornings=elevated
    )


def form(ctl: float = 60.0, atl: float = 65.0, ramp: float | None = 4.0, days: int = 120) -> FormStatus:
    return FormStatus(ctl=ctl, atl=atl, ramp_per_week=ramp, days_of_history=days)


def sleep(last: float | None = 7.8, debt: float = 1.0) -> SleepStatus:
    return SleepStatus(last_night_h=last, debt_7d_h=debt, nights_counted=7)


def inputs(**overrides: object) -> ReadinessInputs:
    base: dict[str, object] = {"form": form(), "hrv": hrv(), "resting_hr": rhr(), "sleep": sleep()}
    return ReadinessInputs(**(base | overrides))  # type: ignore[arg-type]


def test_all_green_proceeds_with_the_numbers() -> None:
    s = suggest(inputs())
    assert s is not None
    assert s.action is Action.PROCEED
    assert s.missing == []
    assert "form (TSB) is -5" in s.reason
    payload = s.to_json()
    assert set(payload) >= {"action", "reason", "confidence", "alternatives"}
    assert payload["action"] == "proceed" and 0 < payload["confidence"] <= 1
    tsb = next(f for f in payload["factors"] if f["key"] == "tsb_ok")
    assert tsb["numbers"] == {"ctl": 60.0, "atl": 65.0, "tsb": -5.0}


@pytest.mark.parametrize(
    ("overrides", "action", "key"),
    [
        ({"illness": True}, Action.REST, "illness"),
        ({"hrv": hrv(Band.BELOW, baseline_ln=LN60 - 0.2), "resting_hr": rhr(2)}, Action.REST, "hrv_low_rhr_high"),
        ({"hrv": hrv(Band.BELOW, baseline_ln=LN60 - 0.2)}, Action.ACTIVE_RECOVERY, "hrv_low"),
        ({"resting_hr": rhr(3)}, Action.ACTIVE_RECOVERY, "rhr_elevated"),
        ({"form": form(ctl=60, atl=95)}, Action.REDUCE_INTENSITY, "tsb_overload"),
        ({"sleep": sleep(last=5.2)}, Action.REDUCE_INTENSITY, "short_night"),
        ({"sleep": sleep(debt=6.5)}, Action.REDUCE_INTENSITY, "sleep_debt"),
        ({"hrv": hrv(today=42.0, dip=True)}, Action.MODIFY, "hrv_acute_dip"),
        ({"form": form(ramp=9.5)}, Action.MODIFY, "ramp_high"),
    ],
)
def test_each_rule(overrides: dict[str, object], action: Action, key: str) -> None:
    s = suggest(inputs(**overrides))
    assert s is not None
    assert s.action is action
    assert s.factors[0].key == key


def test_the_most_restrictive_rule_wins_and_all_are_kept() -> None:
    s = suggest(inputs(form=form(ctl=60, atl=95, ramp=9.0), sleep=sleep(last=5.0), illness=True))
    assert s is not None and s.action is Action.REST
    keys = [f.key for f in s.factors]
    assert keys[0] == "illness"
    assert {"tsb_overload", "short_night", "ramp_high"} <= set(keys)


def test_no_data_at_all_gives_no_suggestion() -> None:
    assert suggest(ReadinessInputs(form=None, hrv=None, resting_hr=None, sleep=None)) is None


def test_missing_signals_are_named_and_lower_confidence() -> None:
    full = suggest(inputs())
    partial = suggest(ReadinessInputs(form=form(), hrv=None, resting_hr=None, sleep=sleep(last=None)))
    assert full is not None and partial is not None
    assert partial.missing == [
        "HRV (at least 3 of the last 7 mornings and 14 of the last 60)",
        "resting heart rate (at least 14 of the last 60 mornings)",
        "last night's sleep",
    ]
    assert partial.confidence < full.confidence


def test_warming_up_history_lowers_confidence() -> None:
    settled, young = suggest(inputs()), suggest(inputs(form=form(days=20)))
    assert settled is not None and young is not None
    assert young.confidence < settled.confidence


def test_the_reason_is_worded_when_it_is_read() -> None:
    # Assessed once (a batch of briefs), read in each athlete's language: the decimals follow the reader.
    s = suggest(inputs(sleep=sleep(last=5.5)))
    assert s is not None
    assert "you slept 5.5 h last night" in s.reason
    with i18n.use("de"):
        assert "5,5 h" in s.reason
        assert "5,5 h" in s.factors[0].text
    assert s.to_json()["reason"] == s.reason
