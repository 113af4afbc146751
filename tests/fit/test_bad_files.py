"""Files that are broken, are not activities, or are odd but real: each summarises or ends in a clear error."""

import random
import struct

import pytest
from fitdecode.utils import compute_crc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.fit import (
    MAX_FIT_BYTES,
    FitCorrupt,
    FitImportError,
    FitNoSamples,
    FitNotActivity,
    FitTooLarge,
    FitTruncated,
)
from integrations.fit.summary import summarize_fit
from tests.fit.fit_writer import START, STOP_ALL, fit_file

# None: the file is a real activity and must summarise.
EXPECTED_IN_MORE: dict[str, type[FitImportError] | None] = {
    "more/MonitoringFile.fit": FitNotActivity,
    "more/Settings.fit": FitNotActivity,
    "more/WorkoutIndividualSteps.fit": FitNotActivity,
    "more/activity-settings-corruptheader.fit": FitCorrupt,
    "more/activity-settings-nodata.fit": FitTruncated,
    "more/activity-unexpected-eof.fit": FitTruncated,
    "more/strava-android-app-201.10-b1218918.fit": FitCorrupt,  # undecodable after 503 messages
    "more/coros-pace-2-cycling-misaligned-fields.fit": None,
    "more/garmin-edge-820-bike.fit": None,
    "more/garmin-fenix-5-run.fit": None,
    "more/garmin-fenix-5-walk.fit": None,
    "more/garmin-fr935-cr.fit": None,
}


def assert_clear_sentence(error: FitImportError) -> None:
    message = str(error)
    assert message[0].isupper()
    assert message.endswith(".")
    assert message.count(". ") == 0  # one sentence
    assert "@" not in message  # no decoder internals such as byte offsets
    assert "\n" not in message


def test_every_file_in_more_has_an_expectation(fit_bytes: dict[str, bytes]) -> None:
    assert {name for name in fit_bytes if name.startswith("more/")} == EXPECTED_IN_MORE.keys()


@pytest.mark.parametrize(("name", "expected"), EXPECTED_IN_MORE.items())
def test_file_summarises_or_raises_a_clear_typed_error(
    fit_bytes: dict[str, bytes], name: str, expected: type[FitImportError] | None
) -> None:
    if expected is None:
        summary = summarize_fit(fit_bytes[name])
        assert summary.duration_sec > 0
        assert summary.load >= 0
        return
    with pytest.raises(expected) as caught:
        summarize_fit(fit_bytes[name])
    assert_clear_sentence(caught.value)


def test_non_activity_error_names_what_the_file_holds(fit_bytes: dict[str, bytes]) -> None:
    with pytest.raises(FitNotActivity, match="a planned workout") as caught:
        summarize_fit(fit_bytes["more/WorkoutIndividualSteps.fit"])
    assert caught.value.file_type == "workout"


def test_decoder_error_is_kept_as_the_cause(fit_bytes: dict[str, bytes]) -> None:
    with pytest.raises(FitTruncated) as caught:
        summarize_fit(fit_bytes["more/activity-unexpected-eof.fit"])
    assert caught.value.__cause__ is not None


def test_empty_bytes() -> None:
    with pytest.raises(FitTruncated, match="empty") as caught:
        summarize_fit(b"")
    assert_clear_sentence(caught.value)


@pytest.mark.parametrize("kept_fraction", [0.001, 0.1, 0.5, 0.999])
def test_truncated_bytes(fit_bytes: dict[str, bytes], kept_fraction: float) -> None:
    data = fit_bytes["Edge810-Vector-2013-08-16-15-35-10.fit"]
    with pytest.raises(FitCorrupt) as caught:  # FitTruncated is a FitCorrupt
        summarize_fit(data[: int(len(data) * kept_fraction)])
    assert_clear_sentence(caught.value)


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes(seed: int) -> None:
    data = random.Random(seed).randbytes(4096)
    with pytest.raises(FitCorrupt) as caught:
        summarize_fit(data)
    assert_clear_sentence(caught.value)


def test_file_over_50_megabytes() -> None:
    with pytest.raises(FitTooLarge) as caught:
        summarize_fit(bytes(MAX_FIT_BYTES + 1))
    assert caught.value.size_bytes == MAX_FIT_BYTES + 1
    assert_clear_sentence(caught.value)
    assert "50 MB" in str(caught.value)


def test_size_limit_is_checked_before_decoding(fit_bytes: dict[str, bytes]) -> None:
    data = fit_bytes["elemnt-bolt-no-application-id-inside-developer-data-id.fit"]
    with pytest.raises(FitTooLarge):
        summarize_fit(data, max_bytes=len(data) - 1)
    assert summarize_fit(data, max_bytes=len(data)).duration_sec == 132


def test_activity_without_samples_in_its_timer() -> None:
    start_s = 1_600_000_000
    data = fit_file(timer=[(start_s, START), (start_s + 60, STOP_ALL)], records=[(start_s + 600, 120, 200)])
    with pytest.raises(FitNoSamples) as caught:
        summarize_fit(data)
    assert_clear_sentence(caught.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(
        ["more/garmin-edge-820-bike.fit", "more/garmin-fenix-5-run.fit", "fr110-run-2013-02-06-12-11-14.fit"]
    ),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
    fix_checksum=st.booleans(),
)
def test_damaged_files_never_escape_as_raw_exceptions(
    fit_bytes: dict[str, bytes], name: str, edits: list[tuple[float, int]], fix_checksum: bool
) -> None:
    data = bytearray(fit_bytes[name])
    for position, value in edits:
        data[int(position * (len(data) - 2))] = value
    if fix_checksum:  # let the damage reach the decoder instead of stopping at the file checksum
        data[-2:] = struct.pack("<H", compute_crc(bytes(data[:-2])))
    try:
        summarize_fit(bytes(data))
    except FitImportError as error:
        assert_clear_sentence(error)
