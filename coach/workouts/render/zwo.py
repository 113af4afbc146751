"""Zwift workout files (``.zwo``): XML with power as fractions of FTP.

Zwift publishes no schema; the element and attribute names are copied from Zwift's own built-in files
(h4l/zwift-workout-file-reference), since readers (Zwift, GoldenCheetah) match them case-sensitively.

- A steady step is ``SteadyState`` at the middle of its range: Zwift's ERG mode holds one number.
- A ramp is ``Warmup`` (rising warm-up), ``Cooldown`` (falling cool-down) or ``Ramp`` otherwise, with
  ``PowerLow``/``PowerHigh`` as start/end the way Zwift writes them; readers disagree on a rising ``Cooldown``
  (GoldenCheetah turns it into a descent), so only the unambiguous directions use those names.
- A repeat of exactly two steady steps is ``IntervalsT`` (on/off); any other repeat, and any repeat that holds
  one, is written out step by step around its innermost on/off sets.
- Cues are ``textevent`` children at the step's start.
- Runs: ``sportType`` ``run`` and ``Power`` as a fraction of the pace chosen by ``pace``. Which number picks which
  race pace is disputed (0 = mile … 4 = marathon in one editor, 1 … 5 in another), so we write ``pace="3"``:
  half-marathon pace in one reading and 10 km pace in the other, the two race paces that bracket the threshold
  pace our fractions are of. Either way the target is within a few percent of the planned pace; the exact
  paces are in the description.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from coach.i18n import N_, t
from coach.workouts.model import Block, Repeat, Sport, Step, StepIntensity, StructuredWorkout
from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.render.labels import plain_text, step_label

AUTHOR = "Coach Watts"
RUN_PACE_INDEX = "3"  # see the module docstring: 10 km or half-marathon pace, whichever base a reader uses

_SPORT_TYPE = {Sport.RIDE: "bike", Sport.RUN: "run"}
# Characters XML 1.0 cannot hold at all, escaped or not: a file with one "just does not show up" in Zwift.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", plain_text(text))


def fraction(value: float) -> str:
    """A fraction of FTP as Zwift writes it, to four decimals (0.1 W at 1,000 W FTP)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _ramp_element(step: Step) -> str:
    if step.intensity is StepIntensity.WARMUP and step.low <= step.high:
        return "Warmup"
    if step.intensity is StepIntensity.COOLDOWN and step.low >= step.high:
        return "Cooldown"
    return "Ramp"


def _cue(element: ET.Element, step: Step) -> None:
    if step.cue.strip():
        ET.SubElement(element, "textevent", timeoffset="0", message=xml_text(step_label(step)))


def _common(element: ET.Element, run: bool) -> None:
    if run:
        element.set("pace", RUN_PACE_INDEX)


def _step(parent: ET.Element, step: Step, run: bool) -> None:
    if step.ramp:
        element = ET.SubElement(
            parent,
            _ramp_element(step),
            Duration=str(step.duration_s),
            PowerLow=fraction(step.start),
            PowerHigh=fraction(step.end),
        )
    else:
        element = ET.SubElement(parent, "SteadyState", Duration=str(step.duration_s), Power=fraction(step.mid))
    if step.cadence_rpm is not None:
        element.set("Cadence", str(step.cadence_rpm))
    _common(element, run)
    _cue(element, step)


def is_on_off(repeat: Repeat) -> bool:
    """A repeat Zwift can show as one ``IntervalsT``: two steady steps, on then off."""
    return len(repeat.blocks) == 2 and all(isinstance(b, Step) and not b.ramp for b in repeat.blocks)


def _intervals(parent: ET.Element, repeat: Repeat, run: bool) -> None:
    on, off = repeat.blocks
    assert isinstance(on, Step) and isinstance(off, Step)
    element = ET.SubElement(
        parent,
        "IntervalsT",
        Repeat=str(repeat.count),
        OnDuration=str(on.duration_s),
        OffDuration=str(off.duration_s),
        OnPower=fraction(on.mid),
        OffPower=fraction(off.mid),
    )
    if on.cadence_rpm is not None:
        element.set("Cadence", str(on.cadence_rpm))
    if off.cadence_rpm is not None:
        element.set("CadenceResting", str(off.cadence_rpm))
    _common(element, run)
    _cue(element, on)


def _blocks(parent: ET.Element, blocks: tuple[Block, ...], run: bool) -> None:
    for block in blocks:
        if isinstance(block, Step):
            _step(parent, block, run)
        elif is_on_off(block):
            _intervals(parent, block, run)
        else:
            for _ in range(block.count):
                _blocks(parent, block.blocks, run)


# One whole sentence per sport Zwift has no workouts for.
_NOT_ZWIFT = {
    Sport.SWIM: N_("Zwift workouts are rides or runs; this is a swim session."),
    Sport.STRENGTH: N_("Zwift workouts are rides or runs; this is a strength session."),
}


def render_zwo(workout: StructuredWorkout) -> str:
    """The session as a Zwift workout file (UTF-8 XML text); Zwift applies the rider's own FTP or run paces."""
    sport_type = _SPORT_TYPE.get(workout.sport)
    if sport_type is None:
        raise FormatUnavailable(t(_NOT_ZWIFT[workout.sport]))
    root = ET.Element("workout_file")
    ET.SubElement(root, "author").text = AUTHOR
    ET.SubElement(root, "name").text = xml_text(workout.title)
    ET.SubElement(root, "description").text = xml_text(workout.description)
    ET.SubElement(root, "sportType").text = sport_type
    ET.SubElement(root, "durationType").text = "time"
    tags = ET.SubElement(root, "tags")
    ET.SubElement(tags, "tag", name=workout.kind.value.replace("_", " "))
    body = ET.SubElement(root, "workout")
    _blocks(body, workout.blocks, workout.sport is Sport.RUN)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
