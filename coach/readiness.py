"""The rules coach: today's training suggestion from load, HRV, resting HR and sleep.

Pure: it takes what `coach.science` computed and returns a `Suggestion` shaped like the seed's
``Report.suggestions`` JSON (``{action, reason, confidence, alternatives}``) plus the factors and numbers
it rests on. The decision order follows science.md §5.4:

1. hard vetoes: illness; HRV baseline below its normal range together with an elevated resting HR
   -> rest; HRV below range alone, or resting HR elevated on 2+ mornings -> active recovery;
2. soft limits: readiness TSB below -30 -> reduce intensity; sleep under 6 h or a 7-night debt over
   5 h -> reduce intensity; a single low HRV morning on a normal baseline, or a CTL ramp over 8/week ->
   modify (keep it easy today / hold volume);
3. otherwise proceed with the planned session.

The most restrictive rule wins; every rule that fired is kept as a factor, so the answer can show why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coach import i18n
from coach.i18n import N_, t
from coach.science.recovery import Band, HrvStatus, RestingHrStatus, SleepStatus

TSB_OVERLOAD = -30.0
RAMP_LIMIT_PER_WEEK = 8.0
PMC_WARMUP_DAYS = 42


class Action(StrEnum):
    PROCEED = "proceed"
    MODIFY = "modify"
    REDUCE_INTENSITY = "reduce_intensity"
    ACTIVE_RECOVERY = "active_recovery"
    REST = "rest"


# How restrictive each action is; the most restrictive rule that fires decides.
_SEVERITY = {
    Action.PROCEED: 0,
    Action.MODIFY: 1,
    Action.REDUCE_INTENSITY: 2,
    Action.ACTIVE_RECOVERY: 3,
    Action.REST: 4,
}

_ALTERNATIVES = {
    Action.PROCEED: [Action.MODIFY],
    Action.MODIFY: [Action.PROCEED, Action.REDUCE_INTENSITY],
    Action.REDUCE_INTENSITY: [Action.ACTIVE_RECOVERY, Action.REST],
    Action.ACTIVE_RECOVERY: [Action.REST, Action.REDUCE_INTENSITY],
    Action.REST: [Action.ACTIVE_RECOVERY],
}


@dataclass(frozen=True, slots=True)
class FormStatus:
    """Training load as of this morning: yesterday's CTL and ATL, before today's session."""

    ctl: float
    atl: float
    ramp_per_week: float | None
    days_of_history: int

    @property
    def tsb(self) -> float:
        return self.ctl - self.atl

    @property
    def warming_up(self) -> bool:
        return self.days_of_history < PMC_WARMUP_DAYS


@dataclass(frozen=True, slots=True)
class ReadinessInputs:
    form: FormStatus | None
    hrv: HrvStatus | None
    resting_hr: RestingHrStatus | None
    sleep: SleepStatus | None
    illness: bool = False
    # The athlete's own morning check-in: feel 1 (awful) – 5 (great), soreness 0 (none) – 2 (very sore).
    feel: int | None = None
    soreness: int | None = None


@dataclass(frozen=True, slots=True)
class Factor:
    """One signal the suggestion rests on: a stable key, the action it argues for, and a sentence.

    The sentence is kept as its English message and the values of its fields, and put into words when it is
    read (`text`): a batch of briefs is assessed once and each is read in its own athlete's language. A field's
    value that is a float is shown with one decimal in that language (``7.5`` / ``7,5``); a string as it is.
    """

    key: str
    action: Action
    message: str
    numbers: dict[str, float] = field(default_factory=dict)
    fields: dict[str, str | float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The sentence in the current language."""
        values = {k: i18n.number(v, 1) if isinstance(v, float) else v for k, v in self.fields.items()}
        return t(self.message, **values)


class _Reason:
    """`Suggestion.reason`: the sentence given for it (a language model's), else the sentences of the factors
    that decided the action, in the current language when it is read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = f"_{name}"

    def __get__(self, suggestion: Suggestion | None, owner: type | None = None) -> str:
        if suggestion is None:
            return ""  # the field's default: no sentence given
        given: str = suggestion.__dict__.get(self._name, "")
        if given:
            return given
        reasons = [f.text for f in suggestion.factors if f.action is suggestion.action]
        said = reasons[0] if reasons else ""
        for reason in reasons[1:]:
            said = t("{reasons}; {reason}", reasons=said, reason=reason)  # French spaces its semicolon
        return said

    def __set__(self, suggestion: Suggestion, value: str) -> None:
        suggestion.__dict__[self._name] = value


@dataclass(frozen=True)
class Suggestion:
    action: Action
    confidence: float
    alternatives: list[Action]
    factors: list[Factor]
    # What the suggestion had to do without, as English messages (`missing` says them in the current language).
    gaps: list[str]
    reason: _Reason = _Reason()

    @property
    def missing(self) -> list[str]:
        """The signals the suggestion had to do without, in the current language."""
        return [t(gap) for gap in self.gaps]

    def to_json(self) -> dict[str, Any]:
        """The seed's ``suggestions`` shape, plus the factors and the numbers they rest on."""
        return {
            "action": self.action.value,
            "reason": self.reason,
            "confidence": self.confidence,
            "alternatives": [a.value for a in self.alternatives],
            "factors": [
                {"key": f.key, "action": f.action.value, "text": f.text, "numbers": f.numbers} for f in self.factors
            ],
            "missing": self.missing,
        }


def _hrv_factors(hrv: HrvStatus, rhr: RestingHrStatus | None) -> list[Factor]:
    low, high = hrv.range_rmssd_ms
    numbers = {
        "hrv_7d_ms": round(hrv.baseline_rmssd_ms, 1),
        "hrv_range_low_ms": round(low, 1),
        "hrv_range_high_ms": round(high, 1),
    }
    if hrv.today_rmssd_ms is not None:
        numbers["hrv_today_ms"] = round(hrv.today_rmssd_ms, 1)
    values: dict[str, str | float] = {
        "hrv": f"{hrv.baseline_rmssd_ms:.0f}",
        "low": f"{low:.0f}",
        "high": f"{high:.0f}",
    }
    if hrv.band is Band.BELOW:
        if rhr is not None and rhr.elevated:
            return [
                Factor(
                    "hrv_low_rhr_high",
                    Action.REST,
                    # Elevated takes 2+ mornings (RHR_ELEVATED_MORNINGS): the count is always plural.
                    N_(
                        "HRV 7-day average {hrv} ms is below your normal range ({low}–{high} ms) and resting HR is "
                        "up {up} bpm for {n} mornings"
                    ),
                    numbers | {"rhr_elevation_bpm": round(rhr.elevation_bpm or 0.0, 1)},
                    values | {"up": f"{rhr.elevation_bpm or 0:.0f}", "n": f"{rhr.elevated_mornings}"},
                )
            ]
        return [
            Factor(
                "hrv_low",
                Action.ACTIVE_RECOVERY,
                N_("HRV 7-day average {hrv} ms is below your normal range ({low}–{high} ms)"),
                numbers,
                values,
            )
        ]
    if hrv.acute_dip and hrv.today_rmssd_ms is not None:
        return [
            Factor(
                "hrv_acute_dip",
                Action.MODIFY,
                N_(
                    "this morning's HRV {today} ms is low, but your 7-day average {hrv} ms is within range "
                    "({low}–{high} ms)"
                ),
                numbers,
                values | {"today": f"{hrv.today_rmssd_ms:.0f}"},
            )
        ]
    if hrv.band is Band.ABOVE:
        message = N_("HRV 7-day average {hrv} ms is above your normal range ({low}–{high} ms)")
    else:
        message = N_("HRV 7-day average {hrv} ms is within your normal range ({low}–{high} ms)")
    return [Factor("hrv_ok", Action.PROCEED, message, numbers, values)]


def _rhr_factors(rhr: RestingHrStatus, hrv_low: bool) -> list[Factor]:
    numbers = {"rhr_60d_bpm": round(rhr.mean_60d_bpm, 1)}
    if rhr.today_bpm is not None:
        numbers["rhr_today_bpm"] = round(rhr.today_bpm, 1)
    if rhr.elevated and not hrv_low:  # with low HRV it is already part of the combined veto
        return [
            Factor(
                "rhr_elevated",
                Action.ACTIVE_RECOVERY,
                # Elevated takes 2+ mornings (RHR_ELEVATED_MORNINGS): the count is always plural.
                N_("resting HR {today} bpm is {up} bpm above your 60-day average for {n} mornings"),
                numbers,
                {
                    "today": f"{rhr.today_bpm or 0:.0f}",
                    "up": f"{rhr.elevation_bpm or 0:.0f}",
                    "n": f"{rhr.elevated_mornings}",
                },
            )
        ]
    if rhr.elevated:
        return []
    return [
        Factor(
            "rhr_ok", Action.PROCEED, N_("resting HR {rhr} bpm is normal"), numbers, {"rhr": f"{rhr.mean_7d_bpm:.0f}"}
        )
    ]


def _form_factors(form: FormStatus) -> list[Factor]:
    numbers = {"ctl": round(form.ctl, 1), "atl": round(form.atl, 1), "tsb": round(form.tsb, 1)}
    factors = []
    if form.tsb < TSB_OVERLOAD:
        factors.append(
            Factor(
                "tsb_overload",
                Action.REDUCE_INTENSITY,
                N_("form (TSB) is {tsb}, below {limit}: fatigue is well above fitness"),
                numbers,
                {"tsb": f"{form.tsb:.0f}", "limit": f"{TSB_OVERLOAD:.0f}"},
            )
        )
    else:
        factors.append(
            Factor(
                "tsb_ok",
                Action.PROCEED,
                N_("form (TSB) is {tsb} (fitness {ctl}, fatigue {atl})"),
                numbers,
                {"tsb": f"{form.tsb:+.0f}", "ctl": f"{form.ctl:.0f}", "atl": f"{form.atl:.0f}"},
            )
        )
    if form.ramp_per_week is not None and form.ramp_per_week > RAMP_LIMIT_PER_WEEK:
        factors.append(
            Factor(
                "ramp_high",
                Action.MODIFY,
                N_("fitness rose {ramp} points this week, above {limit}: hold volume"),
                {"ramp_per_week": round(form.ramp_per_week, 1)},
                {"ramp": float(form.ramp_per_week), "limit": f"{RAMP_LIMIT_PER_WEEK:.0f}"},
            )
        )
    return factors


def _sleep_factors(sleep: SleepStatus) -> list[Factor]:
    numbers = {"sleep_debt_7d_h": round(sleep.debt_7d_h, 1)}
    if sleep.last_night_h is not None:
        numbers["sleep_last_night_h"] = round(sleep.last_night_h, 1)
    if sleep.short_night and sleep.last_night_h is not None:
        return [
            Factor(
                "short_night",
                Action.REDUCE_INTENSITY,
                N_("you slept {hours} h last night: skip maximal efforts"),
                numbers,
                {"hours": float(sleep.last_night_h)},
            )
        ]
    if sleep.in_debt:
        return [
            Factor(
                "sleep_debt",
                Action.REDUCE_INTENSITY,
                N_("your short nights add up to {debt} h under 8 h over 7 nights: cap intensity at tempo"),
                numbers,
                {"debt": float(sleep.debt_7d_h)},
            )
        ]
    if sleep.last_night_h is None:
        return []
    return [
        Factor("sleep_ok", Action.PROCEED, N_("you slept {hours} h"), numbers, {"hours": float(sleep.last_night_h)})
    ]


def _missing(inputs: ReadinessInputs) -> list[str]:
    """The signals missing, as English messages (`Suggestion.missing` translates them)."""
    missing = []
    if inputs.form is None:
        missing.append(N_("training history (workouts with a load)"))
    if inputs.hrv is None:
        missing.append(N_("HRV (at least 3 of the last 7 mornings and 14 of the last 60)"))
    elif inputs.hrv.today_rmssd_ms is None:
        missing.append(N_("this morning's HRV"))
    if inputs.resting_hr is None:
        missing.append(N_("resting heart rate (at least 14 of the last 60 mornings)"))
    if inputs.sleep is None or inputs.sleep.last_night_h is None:
        missing.append(N_("last night's sleep"))
    return missing


def _check_in_factors(inputs: ReadinessInputs) -> list[Factor]:
    """What the athlete told us this morning: how they feel is a signal the devices cannot measure."""
    factors = []
    if inputs.feel is not None and inputs.feel <= 2:
        factors.append(
            Factor(
                "feel_low",
                Action.MODIFY,
                N_("you said you feel {feel}/5 this morning"),
                {"feel": inputs.feel},
                {"feel": f"{inputs.feel}"},
            )
        )
    if inputs.soreness is not None and inputs.soreness >= 2:
        factors.append(
            Factor("very_sore", Action.MODIFY, N_("you said you are very sore"), {"soreness": inputs.soreness})
        )
    return factors


def suggest(inputs: ReadinessInputs) -> Suggestion | None:
    """Today's suggestion, or ``None`` when there is neither training history nor recovery data.

    Reported illness always gives a suggestion (rest): it needs no data to be true.
    """
    no_data = inputs.form is None and inputs.hrv is None and inputs.resting_hr is None and inputs.sleep is None
    if no_data and not inputs.illness:
        return None
    factors: list[Factor] = []
    if inputs.illness:
        factors.append(Factor("illness", Action.REST, N_("you reported feeling ill")))
    factors.extend(_check_in_factors(inputs))
    hrv_low = inputs.hrv is not None and inputs.hrv.band is Band.BELOW
    if inputs.hrv is not None:
        factors.extend(_hrv_factors(inputs.hrv, inputs.resting_hr))
    if inputs.resting_hr is not None:
        factors.extend(_rhr_factors(inputs.resting_hr, hrv_low))
    if inputs.form is not None:
        factors.extend(_form_factors(inputs.form))
    if inputs.sleep is not None:
        factors.extend(_sleep_factors(inputs.sleep))

    # Stable sort: most restrictive first, the order of the rules above within a level.
    factors.sort(key=lambda f: -_SEVERITY[f.action])
    action = factors[0].action if factors else Action.PROCEED
    missing = _missing(inputs)
    return Suggestion(
        action=action,
        confidence=_confidence(action, inputs, missing),
        alternatives=list(_ALTERNATIVES[action]),
        factors=factors,
        gaps=missing,
    )


def _confidence(action: Action, inputs: ReadinessInputs, missing: list[str]) -> float:
    """How much the suggestion can be trusted: high for a clear veto, lower for every missing signal."""
    base = 0.85 if action is not Action.PROCEED else 0.8
    base -= 0.1 * len(missing)
    if inputs.form is not None and inputs.form.warming_up:
        base -= 0.1
    return round(min(0.95, max(0.3, base)), 2)


# Signals no model may talk the athlete out of: a language model can phrase the answer, but when one of
# these fired, its recommendation may not be less restrictive than what the rule decided.
HARD_VETO_KEYS = frozenset({"illness", "hrv_low_rhr_high", "tsb_overload"})


def severity(action: Action) -> int:
    """How restrictive an action is (proceed 0 … rest 4)."""
    return _SEVERITY[action]


def hard_vetoes(suggestion: Suggestion | None) -> list[Factor]:
    """The hard-veto factors that fired, most restrictive first."""
    if suggestion is None:
        return []
    return [f for f in suggestion.factors if f.key in HARD_VETO_KEYS]


def veto_floor(suggestion: Suggestion | None) -> Action | None:
    """The least restrictive action still allowed by the hard vetoes, or ``None`` without a veto."""
    vetoes = hard_vetoes(suggestion)
    return vetoes[0].action if vetoes else None
