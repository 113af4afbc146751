"""Independent readers of every format we write, built from the formats' documentation, not from our renderers.

Each gives back the steps the athlete would do, repeats expanded, as `ReadStep`s in the format's own unit.
"""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import fitdecode


@dataclass(frozen=True)
class ReadStep:
    duration_s: int
    start: float | None  # target at the step's start (a range's low for FIT)
    end: float | None  # at its end (a range's high for FIT)
    unit: str = ""
    ramp: bool = False
    cadence_rpm: int | None = None
    name: str = ""


# --------------------------------------------------------------------------------------------- FIT


@dataclass
class FitWorkout:
    file_id: dict[str, Any]
    workout: dict[str, Any]
    steps: list[dict[str, Any]]

    def executed(self) -> list[dict[str, Any]]:
        """The steps in the order a device runs them: a repeat step jumps back until its count is done."""
        out: list[dict[str, Any]] = []
        done: dict[int, int] = {}
        i = 0
        while i < len(self.steps):
            step = self.steps[i]
            if step["duration_type"] == "repeat_until_steps_cmplt":
                done[i] = done.get(i, 1)
                if done[i] < step["repeat_steps"]:
                    done[i] += 1
                    i = step["duration_step"]
                else:
                    done[i] = 1  # an enclosing repeat starts this one over
                    i += 1
                continue
            out.append(step)
            i += 1
        return out


def read_fit(data: bytes) -> FitWorkout:
    file_id: dict[str, Any] = {}
    workout: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            values = {field.name: field.value for field in frame.fields}
            if frame.name == "file_id":
                file_id = values
            elif frame.name == "workout":
                workout = values
            elif frame.name == "workout_step":
                steps.append(values)
    return FitWorkout(file_id, workout, steps)


# --------------------------------------------------------------------------------------------- ZWO


def read_zwo(text: str) -> tuple[ET.Element, list[ReadStep]]:
    root = ET.fromstring(text)
    body = root.find("workout")
    assert body is not None
    out: list[ReadStep] = []
    for element in body:
        tag, a = element.tag, element.attrib
        if tag == "SteadyState":
            power = float(a["Power"])
            out.append(ReadStep(int(a["Duration"]), power, power, "ftp", cadence_rpm=_int(a.get("Cadence"))))
        elif tag in ("Warmup", "Cooldown", "Ramp"):
            start, end = float(a["PowerLow"]), float(a["PowerHigh"])
            out.append(ReadStep(int(a["Duration"]), start, end, "ftp", ramp=True, cadence_rpm=_int(a.get("Cadence"))))
        elif tag == "IntervalsT":
            on, off = float(a["OnPower"]), float(a["OffPower"])
            for _ in range(int(a["Repeat"])):
                out.append(ReadStep(int(a["OnDuration"]), on, on, "ftp", cadence_rpm=_int(a.get("Cadence"))))
                out.append(ReadStep(int(a["OffDuration"]), off, off, "ftp", cadence_rpm=_int(a.get("CadenceResting"))))
        else:
            raise AssertionError(f"unexpected element {tag}")
    return root, out


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


# --------------------------------------------------------------------------------------------- ERG / MRC


def read_course(text: str) -> tuple[dict[str, str], str, list[ReadStep]]:
    """Header fields, the column line, and the segments between points (a jump has no length and is skipped)."""
    header: dict[str, str] = {}
    columns = ""
    points: list[tuple[int, float]] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line
            continue
        if not line:
            continue
        if section == "[COURSE HEADER]":
            if "=" in line:
                key, _, value = line.partition("=")
                header[key.strip()] = value.strip()
            else:
                columns = line
        elif section == "[COURSE DATA]":
            minutes, value = line.split()
            points.append((round(float(minutes) * 60), float(value)))
    segments = [
        ReadStep(t1 - t0, v0, v1, ramp=v0 != v1) for (t0, v0), (t1, v1) in itertools.pairwise(points) if t1 > t0
    ]
    assert points[0][0] == 0
    return header, columns, segments


# --------------------------------------------------------------------------------------------- Intervals.icu text

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?%$")
_CADENCE = re.compile(r"^(\d+)(?:-(\d+))?rpm$")
_REPEAT = re.compile(r"^(?:.*\s)?(\d+)x$")


def _duration_s(token: str) -> int | None:
    match = _DURATION.fullmatch(token)
    if not token or match is None or not any(match.groups()):
        return None
    h, m, s = (int(g) if g else 0 for g in match.groups())
    return h * 3600 + m * 60 + s


def parse_step_line(line: str) -> ReadStep:
    """``- [cue] duration [ramp] target [unit] [cadence]``, as the Intervals.icu syntax guide describes a step."""
    tokens = line.removeprefix("-").split()
    cue: list[str] = []
    duration: int | None = None
    ramp = False
    start = end = None
    unit = ""
    cadence = None
    for i, token in enumerate(tokens):
        if duration is None:
            duration = _duration_s(token)
            if duration is None:
                cue.append(token)
            continue
        if token == "ramp":
            ramp = True
        elif (m := _PERCENT.fullmatch(token)) is not None:
            start = float(m.group(1))
            end = float(m.group(2)) if m.group(2) else start
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            unit = nxt if nxt in ("LTHR", "HR", "Pace") else "FTP"
        elif (m := _CADENCE.fullmatch(token)) is not None:
            cadence = int(m.group(1))
        elif token in ("LTHR", "HR", "Pace"):
            continue
        else:
            raise AssertionError(f"unexpected token {token!r} in {line!r}")
    assert duration is not None, f"no duration in {line!r}"
    return ReadStep(duration, start, end, unit, ramp=ramp, cadence_rpm=cadence, name=" ".join(cue))


def parse_workout_text(text: str) -> list[ReadStep]:
    """Every step in order, repeats expanded: an ``Nx`` header repeats the steps up to the next blank line."""
    out: list[ReadStep] = []
    block: list[ReadStep] = []
    count = 0

    def close() -> None:
        nonlocal block, count
        if count:
            out.extend(block * count)
        block, count = [], 0

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("-"):
            (block if count else out).append(parse_step_line(line))
        elif (m := _REPEAT.fullmatch(line)) is not None:
            close()
            count = int(m.group(1))
        # any other line is a section header or a note
    close()
    return out
