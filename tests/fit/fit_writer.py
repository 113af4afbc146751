"""A minimal FIT encoder for crafting activity files the fixtures do not cover (FIT SDK protocol 1.0)."""

import struct
from collections.abc import Sequence

from fitdecode.utils import compute_crc

FIT_EPOCH_S = 631_065_600  # 1989-12-31T00:00:00Z in Unix seconds

# Global message numbers, field numbers and base types from the FIT SDK profile.
FILE_ID, EVENT, RECORD, SESSION = 0, 21, 20, 18
ENUM, UINT8, UINT16, UINT32 = 0x00, 0x02, 0x84, 0x86
TIMER, START, STOP_ALL = 0, 0, 4
ACTIVITY, GARMIN = 4, 1
RUNNING, CYCLING, TRANSITION, SWIMMING = 1, 2, 3, 5  # `sport` enum

_LAYOUTS = {  # local message number: (global number, [(field number, size, base type)])
    0: (FILE_ID, [(0, 1, ENUM), (1, 2, UINT16)]),
    1: (EVENT, [(253, 4, UINT32), (0, 1, ENUM), (1, 1, ENUM)]),
    2: (RECORD, [(253, 4, UINT32), (3, 1, UINT8), (7, 2, UINT16)]),
    # timestamp, start_time, total_elapsed_time and total_timer_time (ms), sport
    3: (SESSION, [(253, 4, UINT32), (2, 4, UINT32), (7, 4, UINT32), (8, 4, UINT32), (5, 1, ENUM)]),
}
_FORMATS = {ENUM: "B", UINT8: "B", UINT16: "H", UINT32: "I"}


def fit_file(
    *,
    timer: Sequence[tuple[int, int]] = (),
    records: Sequence[tuple[int, int, int]] = (),
    sessions: Sequence[tuple[int, int, int]] = (),
    file_type: int = ACTIVITY,
) -> bytes:
    """An activity file: ``timer`` is (unix_s, START or STOP_ALL), ``records`` (unix_s, heart_rate, power),
    ``sessions`` (start unix_s, elapsed_s, sport) — one session each, as a multisport watch writes them."""
    body = bytearray()
    for local, (global_number, fields) in _LAYOUTS.items():
        body += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_number, len(fields))
        for number, size, base_type in fields:
            body += struct.pack("<BBB", number, size, base_type)

    def message(local: int, *values: int) -> None:
        fields = _LAYOUTS[local][1]
        body.append(local)
        body.extend(struct.pack("<" + "".join(_FORMATS[f[2]] for f in fields), *values))

    message(0, file_type, GARMIN)
    for unix_s, event_type in timer:
        message(1, unix_s - FIT_EPOCH_S, TIMER, event_type)
    for unix_s, heart_rate, power in records:
        message(2, unix_s - FIT_EPOCH_S, heart_rate, power)
    for start_s, elapsed_s, sport in sessions:
        end_s = start_s + elapsed_s - FIT_EPOCH_S
        message(3, end_s, start_s - FIT_EPOCH_S, elapsed_s * 1000, elapsed_s * 1000, sport)
    header = struct.pack("<BBHI4s", 14, 0x10, 2093, len(body), b".FIT")
    header += struct.pack("<H", compute_crc(header))
    data = header + bytes(body)
    return data + struct.pack("<H", compute_crc(data))


def triathlon_file(t0: int = 1_600_000_000) -> bytes:
    """Swim 10 min, transition, bike 20 min (200/300 W minutes), run 10 min: one session each."""
    swim, t1, bike, run = t0, t0 + 600, t0 + 700, t0 + 1900
    return fit_file(
        timer=[(swim, START), (t0 + 2500, STOP_ALL)],
        records=[
            *((swim + s, 140, 0xFFFF) for s in range(600)),
            *((t1 + s, 150, 0xFFFF) for s in range(100)),
            *((bike + s, 150, 200 + (s // 60) % 2 * 100) for s in range(1200)),
            *((run + s, 165, 0xFFFF) for s in range(600)),
        ],
        sessions=[(swim, 600, SWIMMING), (t1, 100, TRANSITION), (bike, 1200, CYCLING), (run, 600, RUNNING)],
    )
