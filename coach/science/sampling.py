"""The 1 Hz timer grid that every stream metric in `coach.science` is computed on.

Head units compute their summaries over the seconds the timer ran, one value per second. Files do not always
look like that: "smart recording" (Garmin Forerunner 110) writes a sample only when something changes, 1–52 s
apart, and auto-pause leaves holes in the record stream. So streams are first put on a grid with one slot per
whole second the timer ran, each slot holding the latest sample at or before it (sample-and-hold).

Why hold: a plain mean over irregular samples weights each *sample* equally, not each second. On the FR110
reference file the sample mean of heart rate is 148.1 bpm against the device's 147; the held 1 Hz mean is
147.6 (`shared/fixtures/fit/README.md`, `reference/science.md` §2.5).

Grid convention used across the package:
  * ``grid_s``: seconds since some origin, one per timer-on second, increasing;
  * ``segment_id``: the index of the uninterrupted timer stretch each second belongs to; a change between two
    neighbours marks a timer pause (auto-pause or stop/start).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def timer_grid(segments_s: Sequence[tuple[float, float]]) -> tuple[FloatArray, IntArray]:
    """One slot per whole second the timer ran, and the timer stretch each slot belongs to.

    ``segments_s`` are ``(start_s, stop_s)`` pairs, half-open: a stretch from 0 to 30 covers the 30 seconds
    0, 1, …, 29. Stretches must be in time order and not overlap. Empty stretches contribute nothing, but
    still use up an index so ``segment_id`` lines up with ``segments_s``.
    """
    times: list[FloatArray] = []
    ids: list[IntArray] = []
    for index, (start_s, stop_s) in enumerate(segments_s):
        seconds = np.arange(start_s, stop_s, 1.0, dtype=np.float64)
        times.append(seconds)
        ids.append(np.full(seconds.size, index, dtype=np.int64))
    if not times:
        return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64)
    return np.concatenate(times), np.concatenate(ids)


def hold_on_grid(sample_s: npt.ArrayLike, values: npt.ArrayLike, grid_s: npt.ArrayLike) -> FloatArray:
    """Sample-and-hold: the latest sample at or before each grid time; NaN before the first sample.

    ``sample_s`` must be non-decreasing (when two samples share a time, the later one wins). A NaN sample is
    held like any other value: a record that says "no reading" means no reading until the next record.
    """
    times = np.asarray(sample_s, dtype=np.float64)
    samples = np.asarray(values, dtype=np.float64)
    grid = np.asarray(grid_s, dtype=np.float64)
    if times.shape != samples.shape:
        raise ValueError("sample_s and values must have the same shape")
    index = np.searchsorted(times, grid, side="right") - 1
    held = np.full(grid.shape, np.nan, dtype=np.float64)
    seen = index >= 0
    held[seen] = samples[index[seen]]
    return held


def stretch_index(segment_id: npt.ArrayLike) -> IntArray:
    """Renumber timer stretches 0, 1, 2, … so that a new number starts wherever the id changes.

    Callers may label stretches any way they like (including reusing a label after a different one); what
    counts is that neighbours with different labels are separated by a pause.
    """
    ids = np.asarray(segment_id)
    stretches = np.empty(ids.size, dtype=np.int64)
    if ids.size:
        stretches[0] = 0
        np.cumsum(ids[1:] != ids[:-1], out=stretches[1:])
    return stretches
