"""fitdecode against Garmin's FIT SDK on every fixture file: which files each reads, same values, speed.

Run ``python -m bench.fit_decoders``. For each file of `tests/fixtures/fit/` (reference, `more/`, `corpus/`):
whether each reader decodes it (and where it stops if not), the number of records and sessions, how many
record values differ between the two (power, heart rate, distance, speed, cadence, accumulated power), and the
best of three wall-clock decodes. The result chose the decoder (`integrations/fit/decode.py`).
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fitdecode  # ships no type information (see the mypy override in pyproject.toml)
from garmin_fit_sdk import Decoder, Stream

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "fit"
COMPARED_FIELDS = ("power", "heart_rate", "distance", "enhanced_speed", "cadence", "accumulated_power")
REPEATS = 3


def with_fitdecode(data: bytes) -> tuple[list[dict[str, Any]], int, str | None]:
    records: list[dict[str, Any]] = []
    sessions = 0
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                if frame.name == "record":
                    records.append({field.name: field.value for field in frame.fields})
                sessions += frame.name == "session"
    except Exception as err:  # noqa: BLE001 - any failure is a result to print here
        return records, sessions, f"{type(err).__name__}: {err}"[:60]
    return records, sessions, None


def with_sdk(data: bytes) -> tuple[list[dict[str, Any]], int, str | None]:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(merge_heart_rates=False)
    records: list[dict[str, Any]] = messages.get("record_mesgs", [])  # type: ignore[assignment]
    error = f"{type(errors[0]).__name__}: {errors[0]}"[:60] if errors else None
    return records, len(messages.get("session_mesgs", [])), error


def differing(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> int:
    count = 0
    for a, b in zip(ours, theirs, strict=False):
        for name in COMPARED_FIELDS:
            x, y = a.get(name), b.get(name)
            numbers = isinstance(x, int | float) and isinstance(y, int | float)
            if (x is None) != (y is None) or (numbers and not math.isclose(x, y, abs_tol=1e-6)):
                count += 1
                break
    return count + abs(len(ours) - len(theirs))


def best_of(work: Callable[[], object]) -> float:
    best = math.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    header = f"{'file':<58}{'kB':>6}{'fitdecode':>11}{'SDK':>9}{'records':>9}{'differ':>8}  refused by"
    print(header)
    print("-" * len(header))
    totals = [0.0, 0.0]
    for path in sorted(FIXTURES.rglob("*.fit")):
        data = path.read_bytes()
        fd_records, _, fd_error = with_fitdecode(data)
        sdk_records, _, sdk_error = with_sdk(data)
        fd_s = best_of(lambda data=data: with_fitdecode(data))
        sdk_s = best_of(lambda data=data: with_sdk(data))
        totals[0] += fd_s
        totals[1] += sdk_s
        refused = ", ".join(
            f"{name} ({error})" for name, error in (("fitdecode", fd_error), ("SDK", sdk_error)) if error
        )
        print(
            f"{path.relative_to(FIXTURES).as_posix():<58}{len(data) / 1024:>6.0f}{fd_s * 1000:>9.0f}ms"
            f"{sdk_s * 1000:>7.0f}ms{len(sdk_records):>9}{differing(fd_records, sdk_records):>8}  {refused or '-'}"
        )
    print(f"\nall files: fitdecode {totals[0]:.1f} s, Garmin FIT SDK {totals[1]:.1f} s")
    print("'differ' counts records where a compared field differs (without the SDK's `hr` merge).")


if __name__ == "__main__":
    main()
