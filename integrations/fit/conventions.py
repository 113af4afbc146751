"""How each maker's device computes its session numbers, recognised from what the file says of itself.

A FIT file's `file_id.manufacturer` names the device that wrote it; each maker computes NP, average power
and TSS slightly differently, and reproducing the head unit means copying its choices. Each rule below was
measured on real files (`tests/fixtures/fit/`; the corpus values are in `corpus/manifest.json`) and is
checked by `tests/fit/test_device_values.py`. A maker without a rule here gets `DEFAULT`, which is
Garmin's, the most common.

What is *not* reproduced, and why (measured):
  * SRM PC8 (`c18`): the session's max power, 749 W, is in no record (the records' highest is 729 W) and its
    `total_work`, 844 272 J, is 0.86 % above the records' sum (837 069 J); its average power is that work over
    the timer time (123.0 W). The head unit summarises its own, faster internal sampling, which the 1 Hz
    records do not carry: NP 149.2 W against its 151 (149.4 with the window restarted at its pauses; IF 0.654
    against 0.662), average 121.7 W against 123. Its TSS (81.5 vs 82.4) and heart rate do reproduce.
  * Wahoo ELEMNT Bolt (`elemnt-bolt…`): the 132-second ride's average power, 182 W, fits no counting of its
    records (zero-filled 186.1 W, skipping dropouts 213.6 W, non-zero 208.2 W) and its `total_work`, 26 887 J,
    is 9 % above the records' sum; NP, IF and TSS do reproduce.
  * COROS PACE 2 (`more/`, a ride without a power meter): the session writes 0 for average and normalized
    power and for total work; 0 there means "not measured" (the test reads it so), and the file has no session
    heart rate to compare. No COROS file with power is at hand, so no COROS power rule is claimed.
  * Running power is read from the records' `power` field (Garmin, COROS, Stryd paired as a power meter);
    Stryd's Connect IQ developer field is not read.
  * Pool swim heart rate: see the strap note below `SUUNTO`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from coach.science.power import DropoutPolicy


class AveragePower(StrEnum):
    """Which seconds a device divides its work by for average power."""

    COUNTED = "counted"  # every second that counts (see the dropout policy)
    NON_ZERO = "non_zero"  # only seconds with more than 0 W (Sigma)
    MOVING = "moving"  # only seconds faster than `MOVING_SPEED_M_S` (Hammerhead Karoo)


class RecordSpan(StrEnum):
    """Which second a record's value describes when records are more than a second apart."""

    FROM_RECORD = "from_record"  # the value holds from its record until the next (head units)
    UNTIL_RECORD = "until_record"  # the value covers the time since the previous record (Zwift)


# The `power` field is taken to have lost seconds when its work falls short of `accumulated_power`'s by more
# than this fraction (measured shortfalls: 0.05–0.7 % where the field reproduces the device, 3.9–6 % where it
# does not).
ACCUMULATED_SHORTFALL = 0.02

# Karoo 2 (`c04`): seconds slower than this count for none of the average (any threshold 1.5–2.5 m/s gives
# 173.1–174.7 W against the device's 174; all seconds give 171.0 W, non-zero seconds 182.9 W).
MOVING_SPEED_M_S = 2.0


@dataclass(frozen=True, slots=True)
class Convention:
    """One maker's way of turning its records into session numbers."""

    name: str
    dropouts: DropoutPolicy = DropoutPolicy.SKIP
    # True: a timer pause starts a fresh 30-s NP window (Wahoo). False: the window runs on across the pause
    # as if the stretches were one (Garmin).
    np_window_restarts_after_pause: bool = False
    # True: where records carry `accumulated_power` and the `power` field falls short of its work by more
    # than `ACCUMULATED_SHORTFALL`, a second's power is the increment of that counter over the record's
    # interval, and the `power` field only says whether the second had a reading.
    power_from_accumulated: bool = False
    average_power: AveragePower = AveragePower.COUNTED
    record_span: RecordSpan = RecordSpan.FROM_RECORD
    # True: average heart rate is beats over time from the beat-to-beat (R-R) intervals of `hrv` messages,
    # not the 1 Hz records.
    heart_rate_from_beats: bool = False


# Garmin (Edge 520/530/830/1000/1030, Forerunner 935, fenix): evidence, device values in the manifest.
#  * Window across pauses: c07 (35 stretches) NP 263.7 W carried vs 267.9 restarted, device 264; c14 (2
#    stretches) 249.7 vs 251.3, device 250; c17 (3 stretches) 130.4 vs 132.8, device 131.
#  * accumulated_power: c12's `power` field repeats stale values (1 119 of 6 679 records differ from the
#    counter's increment): NP 217.1 W and average 160.9 W from `power`, 227.8 W and 171.2 W from the
#    increments, device 227 and 171; the increments sum to `total_work` on every Garmin file (c07
#    1 721.4 kJ, device 1 721.435). A record without a `power` value is still a dropout (c02, 118 of them:
#    average 181.3 W skipping them, 178.7 W if their zero increments counted; device 181).
#    Where the field agrees with the counter, the field is what the device used second by second: the
#    counter arrives in lumps (0 J one second, twice the power the next), which moves short laps' NP (Edge
#    810 lap 4: 122.2 W from the field, 124.4 from the increments, device 122). The field's shortfall
#    against the counter: c12 6.0 %, c17 3.9 % (increments needed: average 130.0 W vs 124.1 from the field,
#    device 130); Edge 810 0.11 %, c02 0.05 %, c09 0.3 %, c07 0.7 % (field within tolerance).
#  * Dropouts skipped: Edge 800 indoor (no counter) 228.4 W skipped vs 227.3 zero-filled, device 228.
GARMIN = Convention(name="garmin", power_from_accumulated=True)

# Wahoo ELEMNT (reference ride, 56 pauses): windows restart after each pause, 157.2 W vs the device's 157
# (153.3 joined); seconds without power count as 0 W (Bolt: NP 242.9 W zero-filled vs 247.8 skipped, 243).
WAHOO = Convention(name="wahoo", dropouts=DropoutPolicy.ZERO_FILL, np_window_restarts_after_pause=True)

# Sigma ROX 11.1 (c05): average power over non-zero seconds, 179.2 W vs the device's 179 (all seconds
# 159.1 W); its NP keeps the zeros, 171.7 W vs 171.
SIGMA = Convention(name="sigma", average_power=AveragePower.NON_ZERO)

# Hammerhead Karoo 2 (c04): average over moving seconds (`MOVING_SPEED_M_S`), 174.0 W vs the device's 174;
# NP 195.9 W vs 195 and TSS 94.3 vs 92.9 with every second, as on Garmin (one timer stretch, so the pause
# rule is not visible).
HAMMERHEAD = Convention(name="hammerhead", average_power=AveragePower.MOVING)

# Zwift (c20) writes a record when something changes, up to 20 s apart, and each record's values cover the
# time since the previous one: average power 219.0 W that way vs the device's 219 (218.4 interpolated,
# 217.2 holding each value forward).
ZWIFT = Convention(name="zwift", record_span=RecordSpan.UNTIL_RECORD)

# Suunto 9 (r01, 2.65 h trail run): average heart rate from the 26 066 R-R intervals of its `hrv` messages,
# 60 · beats / Σ R-R = 163.9 bpm vs the device's 164 (Σ R-R = 9 543.3 s, the timer's 9 542.6); the records'
# 1 Hz mean is 163.1, and its laps read 0.5–1.8 bpm above their records' mean too.
SUUNTO = Convention(name="suunto", heart_rate_from_beats=True)

# Heart rate from a chest strap that stores it while under water (HRM-Swim, HRM-Tri) arrives after the swim
# in `hr` messages, not in records. Garmin's FIT SDK spreads them over the records (`merge_heart_rates`);
# we use them only when no record has a heart rate of its own (`decode`). Evidence: the FR945 pool swim
# (s01) has no heart rate in any record, and its 807 `hr` messages give 128.3 bpm over the timer (device
# 131, see below); the FR935 dive in `more/` has wrist values in 5 298 of its 7 515 records, 80.3 bpm held
# over the timer vs the device's 80, while filling the other records from the strap gives 81.4 and the
# strap alone 88.1 over the session: there the watch kept its wrist values. So the issue's "an open-water
# swim's strap beats the wrist" is not what this Garmin watch does; no open-water file is at hand to test.
#  * Not reproduced (s01): the device's 131 bpm. Its laps with active lengths do match the strap samples
#    within each lap (e.g. 122 vs 121.3, 143 vs 141.6), but no session average does: all timer seconds
#    128.3, active lengths only 129.7, the device's own lap values weighted by lap time 130.3 (active laps)
#    or 127.3 (all laps).

DEFAULT = GARMIN

_BY_MANUFACTURER = {
    "garmin": GARMIN,
    "wahoo_fitness": WAHOO,
    "sigmasport": SIGMA,
    "hammerhead": HAMMERHEAD,
    "zwift": ZWIFT,
    "suunto": SUUNTO,
}


def convention_for(manufacturer: str | None) -> Convention:
    """The convention of the device that wrote the file (`file_id.manufacturer`), else `DEFAULT`."""
    return _BY_MANUFACTURER.get(manufacturer or "", DEFAULT)
