import math

import numpy as np
import pytest

from coach.science.sampling import hold_on_grid, stretch_index, timer_grid


def test_timer_grid_has_one_slot_per_timer_second_and_numbers_the_stretches() -> None:
    grid_s, segment_id = timer_grid([(0.0, 3.0), (10.0, 12.0), (20.0, 20.0), (30.0, 31.0)])
    assert grid_s.tolist() == [0.0, 1.0, 2.0, 10.0, 11.0, 30.0]
    assert segment_id.tolist() == [0, 0, 0, 1, 1, 3]


def test_timer_grid_of_nothing_is_empty() -> None:
    grid_s, segment_id = timer_grid([])
    assert grid_s.size == 0
    assert segment_id.size == 0


def test_hold_on_grid_repeats_the_latest_sample_and_is_nan_before_the_first() -> None:
    held = hold_on_grid([1.0, 4.0, 4.0, 6.0], [10.0, 20.0, 21.0, math.nan], np.arange(0.0, 8.0))
    assert math.isnan(held[0])
    assert held[1:6].tolist() == [10.0, 10.0, 10.0, 21.0, 21.0]
    assert np.all(np.isnan(held[6:]))


def test_hold_on_grid_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="same shape"):
        hold_on_grid([0.0, 1.0], [1.0], [0.0])


@pytest.mark.parametrize(
    ("labels", "expected"),
    [([], []), ([7, 7, 7], [0, 0, 0]), ([0, 0, 1, 1, 0], [0, 0, 1, 1, 2]), ([3, 1, 1, 2], [0, 1, 1, 2])],
)
def test_stretch_index_starts_a_new_stretch_wherever_the_label_changes(labels: list[int], expected: list[int]) -> None:
    assert stretch_index(labels).tolist() == expected
