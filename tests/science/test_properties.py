"""Properties that must hold for any stream, checked with hypothesis."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.science.curve import mean_max_power
from coach.science.heart_rate import HeartRateProfile, trimp
from coach.science.power import (
    average_power,
    normalized_power,
    rolling_mean_power,
    training_stress_score,
    tss_duration_s,
    work_kj,
)

watts = st.integers(min_value=0, max_value=2000).map(float)
power_streams = st.lists(watts, min_size=30, max_size=400)
short_streams = st.lists(watts, min_size=1, max_size=60)
ftps = st.floats(min_value=50, max_value=500)


@given(power_w=watts, seconds=st.integers(min_value=30, max_value=3000))
def test_np_of_a_constant_stream_is_that_power(power_w: float, seconds: int) -> None:
    assert normalized_power(rolling_mean_power(np.full(seconds, power_w))) == pytest.approx(power_w)


@given(stream=power_streams)
def test_np_is_at_least_the_mean_of_its_30_second_averages(stream: list[float]) -> None:
    rolling = rolling_mean_power(stream)
    np_w = normalized_power(rolling)
    assert np_w is not None
    assert np_w >= np.nanmean(rolling) - 1e-9


@given(stream=power_streams)
def test_np_is_at_least_average_power_for_a_continuous_ride_that_eases_in_and_out(
    stream: list[float],
) -> None:
    # Edge seconds weigh less in the rolling means, so a ride that *starts* hard can have NP below its
    # average ([1000] + [0] * 59: NP 14.1 W, average 16.7 W). With 29 s of easy pedalling at both ends every
    # effort gets full weight, and NP >= average power holds.
    ride = [0.0] * 29 + stream + [0.0] * 29
    np_w = normalized_power(rolling_mean_power(ride))
    average_w = average_power(ride)
    assert np_w is not None
    assert average_w is not None
    assert np_w >= average_w - 1e-9


def test_np_can_fall_below_average_power_when_a_ride_starts_hard() -> None:
    ride = [1000.0] + [0.0] * 59
    np_w = normalized_power(rolling_mean_power(ride))
    assert np_w == pytest.approx(1000 / 30 / 31**0.25)
    assert average_power(ride) == pytest.approx(1000 / 60)


@given(ftp_w=ftps)
def test_one_hour_at_ftp_scores_100(ftp_w: float) -> None:
    assert training_stress_score(ftp_w, ftp_w, 3600) == pytest.approx(100.0)
    stream = np.full(3600 + 29, ftp_w)
    np_w = normalized_power(rolling_mean_power(stream))
    assert np_w is not None
    assert training_stress_score(np_w, ftp_w, tss_duration_s(stream)) == pytest.approx(100.0)


@given(stream=st.lists(watts, min_size=1, max_size=400))
def test_mmp_is_non_increasing(stream: list[float]) -> None:
    assert np.all(np.diff(mean_max_power(stream)) <= 0)


@given(stream=short_streams)
def test_mmp_equals_a_longhand_recomputation(stream: list[float]) -> None:
    n = len(stream)
    raw = [max(sum(stream[i : i + d]) / d for i in range(n - d + 1)) for d in range(1, n + 1)]
    envelope = [max(raw[d:]) for d in range(n)]
    assert mean_max_power(stream).tolist() == pytest.approx(envelope)


@given(stream=st.lists(watts, min_size=1, max_size=300))
def test_mmp_does_not_depend_on_direction(stream: list[float]) -> None:
    np.testing.assert_allclose(mean_max_power(stream), mean_max_power(stream[::-1]))


@given(first=st.lists(watts, min_size=1, max_size=150), second=st.lists(watts, min_size=1, max_size=150))
def test_mmp_of_a_joined_ride_is_at_least_each_parts(first: list[float], second: list[float]) -> None:
    joined = mean_max_power(first + second)
    for part in (first, second):
        assert np.all(joined[: len(part)] >= mean_max_power(part) - 1e-9)


@given(rides=st.lists(power_streams, min_size=1, max_size=4))
def test_rolling_means_of_rides_joined_by_pauses_are_each_rides_own(rides: list[list[float]]) -> None:
    joined = np.concatenate([np.asarray(ride) for ride in rides])
    segments = np.concatenate([np.full(len(ride), index) for index, ride in enumerate(rides)])
    separately = np.concatenate([rolling_mean_power(ride) for ride in rides])
    np.testing.assert_allclose(rolling_mean_power(joined, segment_id=segments), separately)


@given(stream=power_streams, cuts=st.lists(st.integers(min_value=1, max_value=399), max_size=5))
def test_ride_np_combines_lap_nps_by_their_window_counts(stream: list[float], cuts: list[int]) -> None:
    rolling = rolling_mean_power(stream)
    edges = sorted({0, len(stream), *(cut for cut in cuts if cut < len(stream))})
    fourth_power_sum, windows = 0.0, 0
    for start, stop in pairwise(edges):
        lap = rolling[start:stop]
        lap_np = normalized_power(lap)
        if lap_np is not None:
            count = int(np.count_nonzero(~np.isnan(lap)))
            fourth_power_sum += count * lap_np**4
            windows += count
    assert normalized_power(rolling) == pytest.approx((fourth_power_sum / windows) ** 0.25)


@given(pieces=st.lists(st.lists(watts, min_size=1, max_size=100), min_size=1, max_size=5))
def test_work_and_trimp_add_up_over_pieces(pieces: list[list[float]]) -> None:
    joined = [value for piece in pieces for value in piece]
    assert work_kj(joined) == pytest.approx(sum(work_kj(piece) or 0.0 for piece in pieces))
    profile = HeartRateProfile(rest_hr_bpm=50, max_hr_bpm=190)
    beats = [60 + value / 20 for value in joined]  # any HR-like stream in 60-160 bpm
    by_piece = sum(trimp([60 + value / 20 for value in piece], profile=profile) for piece in pieces)
    assert trimp(beats, profile=profile) == pytest.approx(by_piece)
