"""Bytes → FIT messages, with Garmin's FIT SDK first and fitdecode for what the SDK cannot read.

Both readers were run on every file of `tests/fixtures/fit/` (reference, `more/`, `corpus/`; 33 files) on
2026-12-07 (`python -m bench.fit_decoders`: best of 3, on a shared 2-core machine under load, so the absolute
times are several times a quiet machine's; the ratios held in two runs):

    file (size)                                fitdecode     garmin-fit-sdk   records differing
    ELEMNT 6.6 h (699 kB)                      17.4 s         7.5 s           0 of 13 471
    c07 Edge 530, 35 stretches (476 kB)        14.6 s        11.2 s           0 of 8 823
    c09 Edge 1030 (374 kB)                     16.7 s        10.8 s           0 of 6 177
    r04 fenix 5X Plus run (354 kB)             14.3 s         7.6 s           0 of 6 599
    c20 Zwift (111 kB)                          5.0 s         3.0 s           3 043 of 3 043 (distance)
    all 33 files                              156.8 s        98.9 s

  * Same files read, same files refused: the four broken files of `more/` and the damaged corpus file fail
    in both, at the same byte; so does the Strava Android file (fitdecode at byte 7471, the SDK at 7472: the
    record written just before is one byte shorter than its definition, 18 of 19 bytes, so every message
    after it is misaligned — its last decoded record is dated 2085 with 38.9 m/s; only 5 of the 59 minutes
    precede the damage). No reader we know decodes it, so it stays refused with one sentence.
  * Same values: power, heart rate, distance, speed, cadence and accumulated power agree on every record of
    every file, except where the SDK does more: it expands components (Zwift's `compressed_speed_distance`
    into `distance`, left empty by fitdecode) and can spread a chest strap's `hr` messages over the records
    (the pool swim's only heart rate; `conventions` says when we use them).
  * Speed: the SDK takes 0.43–0.92 of fitdecode's time on every activity file over 10 kB.

So the SDK is the primary reader. It does not support compressed-timestamp record headers (an old, rare
encoding fitdecode reads), so a file the SDK refuses is read again by fitdecode; when both refuse, fitdecode's
typed exception says why (header, checksum, cut off), because the SDK's errors are untyped strings. A file
read by fitdecode gets no heart rate from `hr` messages (their packed timestamps need the SDK's expansion).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import Any, cast

import fitdecode  # ships no type information (see the mypy override in pyproject.toml)
from garmin_fit_sdk import Decoder, Stream, hr_mesg_utils

from coach.i18n import N_
from integrations.fit.errors import FitCorrupt, FitTruncated

Message = dict[str, Any]
Messages = dict[str, list[Message]]  # by message name ("record", "session", …), in file order

# fitdecode does not wrap every failure on malformed input in its own `FitError` (fuzzing with valid
# checksums also raises struct.error, ValueError, TypeError, KeyError and AssertionError from inside it).
_DECODER_FAILURES = (fitdecode.FitError, struct.error, ValueError, TypeError, KeyError, AssertionError)
_SDK_SUFFIX = "_mesgs"


def decode(data: bytes) -> Messages:
    """Every data message of ``data`` by name, or a `FitCorrupt` (a `FitTruncated` when the file is cut off)."""
    messages = _decode_with_sdk(data)
    if messages is not None:
        return messages
    return _decode_with_fitdecode(data)


def _decode_with_sdk(data: bytes) -> Messages | None:
    """The SDK's messages, or ``None`` when it reports any error (it collects them instead of raising)."""
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    by_kind, errors = decoder.read(convert_datetimes_to_dates=True, merge_heart_rates=False)
    if errors:
        return None
    # The SDK types each message kind separately (`RecordMesg`, …); here they are all plain dicts.
    messages: Messages = {
        kind.removesuffix(_SDK_SUFFIX): cast(list[Message], values)
        for kind, values in by_kind.items()
        if kind.endswith(_SDK_SUFFIX)
    }
    _fill_heart_rate_from_strap(messages)
    return messages


def _fill_heart_rate_from_strap(messages: Messages) -> None:
    """When no record has a heart rate, the records take the strap's stored one from `hr` messages.

    The SDK's merge averages the strap's samples over each record's interval; it would also overwrite the
    records' own (wrist) values, which the watch itself keeps (`conventions`: the FR935 dive).
    """
    records = messages.get("record")
    strap = messages.get("hr")
    if not records or not strap or any(record.get("heart_rate") is not None for record in records):
        return
    hr_mesg_utils.merge_heart_rates(cast(Any, strap), cast(Any, records))


def _decode_with_fitdecode(data: bytes) -> Messages:
    messages: Messages = {}
    for frame in _fitdecode_frames(data):
        messages.setdefault(frame.name, []).append({field.name: field.value for field in frame.fields})
    return messages


def _fitdecode_frames(data: bytes) -> Iterator[Any]:
    """fitdecode's data messages, with every decoder failure turned into a `FitCorrupt`.

    Only the decoder runs inside the ``try``: an exception raised while the caller handles a message is raised
    in the caller's frame, so a bug of ours is never disguised as a damaged file.
    """
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.IGNORE,
        ) as reader:
            for frame in reader:
                if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                    yield frame
    except fitdecode.FitEOFError as err:
        raise FitTruncated() from err
    except fitdecode.FitHeaderError as err:
        raise FitCorrupt(N_("The file is not a FIT file, or its header is damaged.")) from err
    except fitdecode.FitCRCError as err:
        raise FitCorrupt(N_("The FIT file fails its checksum, so it was damaged after it was recorded.")) from err
    except _DECODER_FAILURES as err:
        raise FitCorrupt() from err
