"""Timing of the training-science hot paths against straightforward pure-Python versions.

Run ``python -m bench.science``. Each number is the best of several runs (time.perf_counter), measured in the
same process on a synthetic 6-hour ride at 1 Hz and on 10 years of daily loads. Both versions of each metric
are checked to agree before anything is printed.

The last table imports the largest real file of `tests/fixtures/fit/corpus/` (decode, timer grid, every
metric and the curves) beside fitdecode's bare decode of the same bytes, in the same run: what the import
adds on top of decoding must stay under half of a decode (`MAX_METRICS_FRACTION_OF_DECODE`).
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fitdecode  # ships no type information (see the mypy override in pyproject.toml)
import numpy as np

from coach.science.curve import mean_max_power
from coach.science.pmc import K_ATL, K_CTL, pmc_series
from coach.science.power import normalized_power, rolling_mean_power, training_stress_score, tss_duration_s
from integrations.fit.decode import decode
from integrations.fit.parse import activities_from_messages, parse_activities
from integrations.fit.summary import summarize_activity, summarize_fit_activities

RIDE_S = 6 * 3600
FTP_W = 250.0
PMC_DAYS = 3652  # 10 years
MMP_BASELINE_S = 30 * 60  # the O(n²) pure-Python curve runs on this first slice and is scaled up
TARGET_NP_TSS_S = 0.002
TARGET_MMP_S = 0.250
TARGET_PMC_S = 0.005
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "fit" / "corpus"
MAX_METRICS_FRACTION_OF_DECODE = 0.5
FILE_REPEATS = 3


def synthetic_ride(seconds: int, *, seed: int = 42) -> np.ndarray:
    """Whole watts like a head unit records: endurance riding, 5-min intervals, sprints and coasting."""
    rng = np.random.default_rng(seed)
    power = rng.normal(190.0, 35.0, seconds)
    for start in range(1800, seconds - 600, 2400):
        power[start : start + 300] += 140.0
    for start in rng.integers(0, seconds - 15, 40):
        power[start : start + 12] += 600.0
    coasting = rng.random(seconds) < 0.08
    power[coasting] = 0.0
    return np.round(np.clip(power, 0.0, None))


def python_np_tss(watts: list[float], ftp_w: float) -> float:
    """NP and TSS longhand: running 30-s sum, 4th powers, t = the number of windows (samples - 29)."""
    window = 30
    running = sum(watts[:window])
    fourth_powers = (running / window) ** 4
    for i in range(window, len(watts)):
        running += watts[i] - watts[i - window]
        fourth_powers += (running / window) ** 4
    windows = len(watts) - window + 1
    np_w = (fourth_powers / windows) ** 0.25
    return float(100.0 * windows / 3600.0 * (np_w / ftp_w) ** 2)


def numpy_np_tss(watts: np.ndarray, ftp_w: float) -> float:
    np_w = normalized_power(rolling_mean_power(watts))
    assert np_w is not None
    return training_stress_score(np_w, ftp_w, tss_duration_s(watts))


def python_mmp(watts: list[float]) -> list[float]:
    """The curve longhand: prefix sums, then the best window of every length (O(n²))."""
    sums = [0.0]
    for value in watts:
        sums.append(sums[-1] + value)
    n = len(watts)
    raw = [max(sums[i + d] - sums[i] for i in range(n - d + 1)) / d for d in range(1, n + 1)]
    for d in range(n - 2, -1, -1):
        raw[d] = max(raw[d], raw[d + 1])
    return raw


def python_pmc(loads: list[float]) -> tuple[list[float], list[float], list[float]]:
    """CTL, ATL and TSB longhand, constants from their time constants each day."""
    ctl = atl = 0.0
    ctls, atls, tsbs = [], [], []
    for load in loads:
        ctl += (1.0 - math.exp(-1.0 / 42)) * (load - ctl)
        atl += (1.0 - math.exp(-1.0 / 7)) * (load - atl)
        ctls.append(ctl)
        atls.append(atl)
        tsbs.append(ctl - atl)
    return ctls, atls, tsbs


def library_pmc(loads: list[float]) -> tuple[list[float], list[float], list[float]]:
    ctls, atls = pmc_series(loads)
    return ctls, atls, [c - a for c, a in zip(ctls, atls, strict=True)]


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """Shortest of ``repeats`` wall-clock runs, in seconds."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


@dataclass(frozen=True)
class Row:
    metric: str
    ours_s: float
    python_s: float
    target_s: float
    note: str = ""


def format_time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    ride = synthetic_ride(RIDE_S)
    ride_list = ride.tolist()
    slice_list = ride_list[:MMP_BASELINE_S]
    loads = [float(x) for x in np.random.default_rng(7).gamma(2.0, 30.0, PMC_DAYS)]

    # Same answers first: a fast wrong number is no result.
    assert math.isclose(numpy_np_tss(ride, FTP_W), python_np_tss(ride_list, FTP_W), rel_tol=1e-9)
    assert np.allclose(mean_max_power(ride[:MMP_BASELINE_S]), python_mmp(slice_list))
    assert np.allclose(library_pmc(loads), python_pmc(loads))
    assert math.isclose(K_CTL, 1.0 - math.exp(-1.0 / 42))
    assert math.isclose(K_ATL, 1.0 - math.exp(-1.0 / 7))

    python_mmp_slice_s = best_of(3, lambda: python_mmp(slice_list))
    # Σ_d (n − d + 1) = n(n + 1)/2 window sums: scale the slice's time by the ratio of that count.
    scale = (RIDE_S * (RIDE_S + 1)) / (MMP_BASELINE_S * (MMP_BASELINE_S + 1))
    rows = [
        Row(
            "NP + TSS",
            best_of(200, lambda: numpy_np_tss(ride, FTP_W)),
            best_of(10, lambda: python_np_tss(ride_list, FTP_W)),
            TARGET_NP_TSS_S,
        ),
        Row(
            f"MMP curve, all {RIDE_S:,} durations",
            best_of(5, lambda: mean_max_power(ride)),
            python_mmp_slice_s * scale,
            TARGET_MMP_S,
            f"pure Python timed on the first {MMP_BASELINE_S // 60} min "
            f"({format_time(python_mmp_slice_s)}) and scaled x{scale:.1f} (O(n²)), not run on 6 h",
        ),
        Row(
            f"CTL/ATL/TSB, {PMC_DAYS:,} days",
            best_of(200, lambda: library_pmc(loads)),
            best_of(200, lambda: python_pmc(loads)),
            TARGET_PMC_S,
            "pmc_series is itself pure Python: the recurrence is sequential, nothing to vectorise",
        ),
    ]

    print(f"Coach Watts science bench: synthetic {RIDE_S // 3600}-hour ride at 1 Hz ({RIDE_S:,} samples),")
    print("10 years of daily loads; best of N runs each (time.perf_counter); results checked equal first.\n")
    header = f"{'metric':<34}{'coach.science':>15}{'pure Python':>15}{'speed-up':>10}{'target':>14}  ok"
    print(header)
    print("-" * len(header))
    for row in rows:
        verdict = "yes" if row.ours_s <= row.target_s else "NO"
        print(
            f"{row.metric:<34}{format_time(row.ours_s):>15}{format_time(row.python_s):>15}"
            f"{row.python_s / row.ours_s:>9.1f}x{'<= ' + format_time(row.target_s):>14}  {verdict}"
        )
    print()
    for row in rows:
        if row.note:
            print(f"* {row.metric}: {row.note}")


def fitdecode_bare(data: bytes) -> int:
    """fitdecode reading every frame of the file and nothing else (the checksum checked, as on import)."""
    frames = 0
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for _ in reader:
            frames += 1
    return frames


def file_import_bench() -> None:
    """The largest corpus file: fitdecode's bare decode vs our whole import, and what the metrics add."""
    path = max(CORPUS.glob("*.fit"), key=lambda p: p.stat().st_size)
    data = path.read_bytes()
    activities = parse_activities(data)
    fitdecode_s = best_of(FILE_REPEATS, lambda: fitdecode_bare(data))
    sdk_s = best_of(FILE_REPEATS, lambda: decode(data))
    import_s = best_of(FILE_REPEATS, lambda: summarize_fit_activities(data))
    messages = decode(data)
    grid_s = best_of(FILE_REPEATS, lambda: activities_from_messages(messages))
    metrics_s = best_of(
        FILE_REPEATS, lambda: [summarize_activity(a, external_id="bench", ftp_w=FTP_W) for a in activities]
    )
    # Measured apart rather than as import − decode: on a shared machine two multi-second timings differ by
    # more than the whole of what is added.
    fraction = (grid_s + metrics_s) / fitdecode_s
    print(f"\nImport of {path.name} ({len(data) / 1024:.0f} kB, {activities[0].timer_time_s:,} timer seconds),")
    print(f"best of {FILE_REPEATS}, same run:")
    print(f"  fitdecode, bare decode                        {format_time(fitdecode_s):>10}")
    print(f"  Garmin FIT SDK decode (our decoder)           {format_time(sdk_s):>10}")
    print(f"  our import: decode + grid + metrics + curves  {format_time(import_s):>10}")
    print(f"  timer grid from the decoded messages          {format_time(grid_s):>10}")
    print(f"  metrics + curves (NP, IF, TSS, HR, laps, …)   {format_time(metrics_s):>10}")
    verdict = "yes" if fraction <= MAX_METRICS_FRACTION_OF_DECODE else "NO"
    print(
        f"  grid + metrics + curves add {100 * fraction:.1f} % of fitdecode's decode "
        f"(limit {100 * MAX_METRICS_FRACTION_OF_DECODE:.0f} %): {verdict}; the whole import takes "
        f"{100 * import_s / fitdecode_s:.0f} % of fitdecode's bare decode"
    )


if __name__ == "__main__":
    main()
    file_import_bench()
