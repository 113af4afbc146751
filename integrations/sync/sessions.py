"""One history from many sources: which stored workouts are the same session, and which record speaks for it.

A ride recorded on a Garmin reaches us through Strava, through Intervals.icu, as a WHOOP or Oura workout, or
as a FIT upload. Each copy is stored (the provider's own id, its raw object) and the copies are linked, so the
coach counts the session once and the data of every copy stays available.

**Same session** (`same_session`): two records from *different* sources whose starts are within
`START_TOLERANCE` (3 min, cpfair/tapiriik's battle-tested rule), whose durations differ by at most
`DURATION_TOLERANCE` (10 % of the longer one), and whose sports are not known to differ (a ride and a run
that start together are two sessions). One source never sends the same session twice under two ids, so two
records of one source are never merged: back-to-back intervals recorded as separate activities stay apart.

**Grouping** (`groups`): the rule is not transitive (A~B and B~C does not make A~C), so records are grouped
by complete linkage: candidate pairs are taken closest first (start gap, then duration gap, then the sources
and ids, so ties are broken by data, not by arrival), and two groups join only if *every* pair across them is
the same session and they share no source. The result is a function of the set of records alone: the same
whatever order the providers delivered them in, and the same when recomputed.

**Canonical record** (`richness`): the group's record with measured power (NP or average power), then a
training load and intensity (the coach's chart needs them), then the most power fields, then heart rate, then
the most filled fields, then the source with the best power data (Intervals.icu > Strava > FIT > Garmin >
Wahoo > Polar > WHOOP > Oura), then source and id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

START_TOLERANCE = timedelta(minutes=3)
DURATION_TOLERANCE = 0.10

# Sources by the quality of their power data, best first (reference/providers.md §8.1).
SOURCE_RANK = ("intervals", "strava", "fit", "garmin", "wahoo", "polar", "whoop", "oura")

# Providers' sport names (lower-case, letters only) by family; a name not listed matches any family.
_FAMILIES = {
    "cycling": (
        "ride cycling virtualride ebikeride emountainbikeride gravelride mountainbikeride roadbiking "
        "indoorcycling virtualcycling trackcycling velomobile handcycle biking spinning"
    ),
    "running": "run running trailrun virtualrun treadmillrunning trackrunning",
    "swimming": "swim swimming openwaterswimming lapswimming poolswim",
    "walking": "walk walking hike hiking",
    "rowing": "rowing virtualrow indoorrowing",
    "skiing": "nordicski crosscountryskiing backcountryski alpineski rollerski",
}
_FAMILY_OF = {name: family for family, names in _FAMILIES.items() for name in names.split()}


def sport_family(sport: str | None) -> str | None:
    if not sport:
        return None
    return _FAMILY_OF.get("".join(c for c in sport.lower() if c.isalpha()))


@dataclass(frozen=True, slots=True)
class Candidate:
    """What decides sameness and richness, for one stored workout."""

    id: str
    source: str
    external_id: str
    start: datetime
    duration_s: int
    sport: str | None
    richness: tuple[Any, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


def richness(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Sort key, larger = richer, for an attribute-keyed workout row (see the module docstring)."""
    power_fields = sum(row.get(k) is not None for k in ("normalized_power", "average_watts", "max_watts"))
    measured_power = row.get("normalized_power") is not None or row.get("average_watts") is not None
    load = sum(row.get(k) is not None for k in ("tss", "intensity_factor"))
    heart = sum(row.get(k) is not None for k in ("average_hr", "max_hr"))
    filled = sum(row.get(k) is not None for k in ("kilojoules", "distance_meters", "elevation_gain"))
    source = row["source"]
    rank = len(SOURCE_RANK) - SOURCE_RANK.index(source) if source in SOURCE_RANK else 0
    # Last, source and id (unique per user), so that ties are broken by the data, never by arrival.
    return (
        measured_power,
        load,
        power_fields,
        heart,
        filled,
        rank,
        [-ord(c) for c in source],
        [-ord(c) for c in row["external_id"]],
    )


def candidate(row: Mapping[str, Any]) -> Candidate:
    return Candidate(
        id=row["id"],
        source=row["source"],
        external_id=row["external_id"],
        start=row["date"],
        duration_s=row["duration_sec"],
        sport=row.get("type"),
        richness=richness(row),
    )


def same_session(a: Candidate, b: Candidate) -> bool:
    if a.source == b.source:
        return False
    if abs(a.start - b.start) > START_TOLERANCE:
        return False
    longer = max(a.duration_s, b.duration_s)
    if abs(a.duration_s - b.duration_s) > DURATION_TOLERANCE * longer:
        return False
    family_a, family_b = sport_family(a.sport), sport_family(b.sport)
    return family_a is None or family_b is None or family_a == family_b


def groups(records: Iterable[Candidate]) -> list[list[Candidate]]:
    """Partition the records into sessions (complete linkage, closest pairs first); each group richest first."""
    ordered = sorted(records, key=lambda c: (c.start, c.key))
    pairs: list[tuple[float, float, tuple[str, str], tuple[str, str], int, int]] = []
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.start - a.start > START_TOLERANCE:
                break
            if same_session(a, b):
                gap_s = abs((b.start - a.start).total_seconds())
                duration_gap = abs(a.duration_s - b.duration_s) / max(a.duration_s, b.duration_s, 1)
                first, second = sorted((a.key, b.key))
                pairs.append((gap_s, duration_gap, first, second, i, j))
    pairs.sort()
    group_of = list(range(len(ordered)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(ordered))}
    for *_, i, j in pairs:
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        left, right = members[gi], members[gj]
        if {ordered[k].source for k in left} & {ordered[k].source for k in right}:
            continue
        if not all(same_session(ordered[x], ordered[y]) for x in left for y in right):
            continue
        members[gi] = left + right
        for k in right:
            group_of[k] = gi
        del members[gj]
    return [sorted((ordered[k] for k in ks), key=lambda c: c.richness, reverse=True) for ks in members.values()]


def links(records: Iterable[Candidate]) -> dict[str, str | None]:
    """Workout id → the id of the record that speaks for its session (``None`` for that record itself)."""
    result: dict[str, str | None] = {}
    for group in groups(records):
        head = group[0]
        result[head.id] = None
        for other in group[1:]:
            result[other.id] = head.id
    return result
