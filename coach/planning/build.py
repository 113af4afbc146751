"""The training plan: from today to the next A race (or a 12-week base/build block), in calendar weeks.

Coaching choices, and where they come from:

- **Phases** base → build → peak → taper (Friel, *The Cyclist's Training Bible*). The three to four weeks
  before an A race are the race window: peak weeks hold fitness with race-specific work, then the taper. The
  weeks before the window split into base (first) and build (about 45 %, at most 8 weeks). Without an A race
  the plan is a 12-week block: 6 weeks base, then build.
- **Recovery weeks**: at most ``recovery_every − 1`` loading weeks in a row (3:1, or 2:1 when asked), each
  recovery week at 60 % of the load that holds fitness (Friel: recovery weeks cut volume by 40–60 %). With a
  race the blocks are laid out backward from the race week, as a season is planned backward from its goal:
  the block before the taper is a full one, and the earlier blocks are as even as possible (shorter first),
  so a plan never opens with a recovery week it has no reason for; an athlete who starts deep in fatigue
  (TSB below −25) starts with one.
- **Weekly load from the PMC inverted** (`coach.science.pmc`): a loading week aims at the load that raises CTL
  by the athlete's ``ctl_ramp_per_week`` (5–8, Friel's ramp guidance, science.md §4.4) and may never raise it
  more. The check is made on the week's actual sessions, day by day, not on an average, so it holds by
  construction. A race's load counts toward its week (it is that week's hardest session), but never empties
  the week: the shortest version of its other sessions stays.
- **The taper**: the shared search (`coach.planning.taper`, as `/race` uses it; Bosquet et al. 2007) picks the
  taper's length and volume from the state three weeks out; the sessions that realise it are then scaled
  together until race-morning TSB lands in +5…+25 (near +15, Friel's A-race form). The race week keeps the
  shared search's rhythm: race-pace efforts six and four days out, rest two days out, openers the day before.
- **B races** get a three-day mini-taper (easy days of at most an hour, openers the day before) and a
  recovery day after; **C races** are trained through: the race is the day's session and the days either
  side carry no intensity. A week with an A or B race has no long session: the race is the long effort; nor
  has a recovery week, whose load is spread over short easy days.
- **Intensity**: at most two quality days a week (tempo and harder; races count), never on consecutive days
  (across weeks and next to races too), the long session on the day with the most time, one rest day when all
  seven are available, and at most 25 % of the week's time at tempo or above (Seiler 2010: endurance athletes
  spend ~80 % of their time easy; the pyramid allows a little more to athletes with few hours). Base: sweet
  spot and tempo; build: threshold and VO2max; peak: race-specific (long races threshold/over-unders and
  sweet spot, short races VO2max and anaerobic); taper: short race-pace efforts and openers.
- **Availability**: sessions only on the athlete's days, each at most that day's minutes, the week (races
  included) at most the weekly hours. When the days cannot carry the load the rules ask, a training week takes
  what fits and says how much is missing (`PlanWeek.shortfall_tss`); race and taper weeks ask less by design.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from coach.i18n import t
from coach.planning.model import (
    Phase,
    Plan,
    PlanInputs,
    PlannedSession,
    PlanWeek,
    Priority,
    ProjectedDay,
    RaceGoal,
)
from coach.planning.races import race_duration_s, race_workout
from coach.planning.taper import IDEAL_TSB, TARGET_TSB, plan_taper
from coach.science import pmc
from coach.workouts import library
from coach.workouts.model import Sport, StructuredWorkout, WorkoutKind

WEEK_DAYS = 7
BLOCK_WEEKS = 12  # without an A race
# The stored name of a plan without an A race (`plan_name_text` says it in the athlete's language).
BLOCK_NAME = f"{BLOCK_WEEKS}-week base and build"
BLOCK_BASE_WEEKS = 6
BUILD_SHARE = 0.45
BUILD_MAX_WEEKS = 8
WINDOW_DAYS = 21  # the taper search looks at the last three weeks (its widest taper is 21 days)
RECOVERY_WEEK_FRACTION = 0.6
START_FATIGUED_TSB = -25.0
MAX_QUALITY_DAYS = 2
MAX_QUALITY_SHARE = 0.25
STEP_S = library.SESSION_STEP_S  # sessions are whole 5-minute units
SEARCH_STEPS = 8  # 2⁻⁸ of a day's range is under one 5-minute step for days up to 21 hours
MINI_TAPER_DAYS = 3
MINI_TAPER_CAP_S = 60 * 60
TAPER_EFFORT_DAYS = (6, 4)  # days before the race with short race-pace efforts (race.py's race-week rhythm)
LONG_RACE_HOURS = 2.5  # races longer than this train threshold and sweet spot in the peak; shorter, VO2 and up

# The longest session of each role, in minutes, per sport (a day's own limit may be lower).
# The shortest session that is still the week's long one, in minutes: shorter, it is an ordinary easy day.
LONG_MIN_MIN = {Sport.RIDE: 90, Sport.RUN: 60, Sport.SWIM: 45, Sport.STRENGTH: 30}
ROLE_CAP_MIN: dict[Sport, dict[str, int]] = {
    Sport.RIDE: {"long": 360, "quality": 120, "easy": 120, "recovery": 60, "openers": 60},
    Sport.RUN: {"long": 150, "quality": 90, "easy": 75, "recovery": 40, "openers": 40},
    Sport.SWIM: {"long": 90, "quality": 75, "easy": 60, "recovery": 45, "openers": 45},
    Sport.STRENGTH: {"long": 60, "quality": 60, "easy": 60, "recovery": 45, "openers": 45},
}


class Role(StrEnum):
    LONG = "long"
    QUALITY = "quality"
    EASY = "easy"
    RECOVERY = "recovery"
    OPENERS = "openers"
    RACE = "race"


@dataclass(frozen=True, slots=True)
class _Slot:
    day: date
    role: Role
    kind: WorkoutKind
    min_s: int
    cap_s: int
    variant: str | None = None
    fixed: StructuredWorkout | None = None

    @property
    def quality(self) -> bool:
        return self.role in (Role.QUALITY, Role.RACE)


@dataclass(frozen=True, slots=True)
class _Built:
    day: date
    workout: StructuredWorkout
    tss: float
    quality_s: int
    race: bool


@dataclass(slots=True)
class _State:
    """The PMC at the end of the last planned day, and the last quality day (for the day-after rule)."""

    ctl: float
    atl: float
    last_quality: date | None


def weekly_load_for_ramp(ctl_now: float, ramp_per_week: float) -> float:
    """Total load over 7 days, spread evenly, that moves CTL by ``ramp_per_week`` (the PMC inverted).

    A constant daily load L moves CTL from C0 to C0 + r in 7 days when L = (C0 + r − C0·a) / (1 − a),
    a = (1 − k_CTL)^7 — the same inversion as the weekly report's next-week target.
    """
    a = (1.0 - pmc.K_CTL) ** WEEK_DAYS
    daily = (ctl_now + ramp_per_week - ctl_now * a) / (1.0 - a)
    return max(0.0, daily * WEEK_DAYS)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=16384)
def _session(kind: WorkoutKind, sport: Sport, duration_s: int, variant: str | None) -> _Built | None:
    workout = library.build(kind, sport, duration_s, variant=variant)
    if workout is None:
        return None
    return _Built(date.min, workout, workout.planned_tss, library.quality_seconds(workout), False)


@lru_cache(maxsize=512)
def _min_s(kind: WorkoutKind, sport: Sport, variant: str | None) -> int:
    """The library's minimum, rounded up to whole 5-minute units."""
    shortest = library.minimum_duration_s(kind, sport, variant=variant)
    return -(-shortest // STEP_S) * STEP_S


def _quality_kinds(sport: Sport, phase: Phase, race: RaceGoal | None) -> tuple[tuple[WorkoutKind, str | None], ...]:
    """The quality sessions of a week in ``phase`` (first one first; a recovery week keeps only the first)."""
    if sport is Sport.STRENGTH:
        return ()
    if sport is Sport.SWIM:
        return ((WorkoutKind.THRESHOLD, None), (WorkoutKind.TECHNIQUE, None))
    long_race = race is not None and race_duration_s(race) > LONG_RACE_HOURS * 3600
    if sport is Sport.RUN:
        run_table: dict[Phase, tuple[tuple[WorkoutKind, str | None], ...]] = {
            Phase.BASE: ((WorkoutKind.TEMPO, None), (WorkoutKind.STRIDES, None)),
            Phase.BUILD: ((WorkoutKind.THRESHOLD, None), (WorkoutKind.VO2MAX, None)),
            Phase.PEAK: ((WorkoutKind.THRESHOLD, None), (WorkoutKind.TEMPO, None))
            if long_race
            else ((WorkoutKind.VO2MAX, None), (WorkoutKind.THRESHOLD, None)),
            Phase.TAPER: ((WorkoutKind.THRESHOLD, None),),
        }
        return run_table[phase]
    table: dict[Phase, tuple[tuple[WorkoutKind, str | None], ...]] = {
        Phase.BASE: ((WorkoutKind.SWEET_SPOT, None), (WorkoutKind.TEMPO, None)),
        Phase.BUILD: ((WorkoutKind.THRESHOLD, None), (WorkoutKind.VO2MAX, None)),
        Phase.PEAK: ((WorkoutKind.THRESHOLD, "over-unders"), (WorkoutKind.SWEET_SPOT, None))
        if long_race
        else ((WorkoutKind.VO2MAX, None), (WorkoutKind.ANAEROBIC, None)),
        Phase.TAPER: ((WorkoutKind.THRESHOLD, None) if long_race else (WorkoutKind.VO2MAX, None),),
    }
    return table[phase]


def _floor_step(seconds: float) -> int:
    return int(seconds // STEP_S) * STEP_S


@dataclass(frozen=True, slots=True)
class _WeekSpec:
    start: date  # Monday
    days: tuple[date, ...]  # the days this plan fills (today on, through the plan's end)
    phase: Phase
    recovery: bool


@dataclass(frozen=True, slots=True)
class _WeekResult:
    built: tuple[_Built, ...]
    target_tss: float
    shortfall_tss: float
    state: _State


def _advance(state: _State, days: Sequence[date], built: Iterable[_Built]) -> _State:
    by_day: dict[date, float] = {}
    last_quality = state.last_quality
    for item in built:
        by_day[item.day] = by_day.get(item.day, 0.0) + item.tss
        if is_quality(item.workout):
            last_quality = item.day if last_quality is None else max(last_quality, item.day)
    ctl, atl = state.ctl, state.atl
    for day in days:
        load = by_day.get(day, 0.0)
        ctl += pmc.K_CTL * (load - ctl)
        atl += pmc.K_ATL * (load - atl)
    return _State(ctl, atl, last_quality)


_QUALITY_KINDS = frozenset(
    {
        WorkoutKind.TEMPO,
        WorkoutKind.SWEET_SPOT,
        WorkoutKind.THRESHOLD,
        WorkoutKind.VO2MAX,
        WorkoutKind.ANAEROBIC,
        WorkoutKind.SPRINTS,
        WorkoutKind.RACE,
    }
)


def is_quality(workout: StructuredWorkout) -> bool:
    """A quality day: tempo and harder, and races (the two-a-week, never-back-to-back days)."""
    return workout.kind in _QUALITY_KINDS


class _Planner:
    """One plan's construction: the week skeletons, the load search per week, the taper window."""

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        self.sport = inputs.sport
        self.availability = inputs.availability
        self.ramp = inputs.availability.ctl_ramp_per_week
        self.caps = ROLE_CAP_MIN[inputs.sport]
        upcoming = sorted((r for r in inputs.races if r.day > inputs.today), key=lambda r: r.day)
        self.goal = next((r for r in upcoming if r.priority is Priority.A), None)
        self.end = self.goal.day if self.goal else monday(inputs.today) + timedelta(weeks=BLOCK_WEEKS, days=-1)
        self.races = {r.day: r for r in upcoming if r.day <= self.end}
        self.race_workouts = {day: race_workout(race) for day, race in self.races.items()}
        self.taper_days: frozenset[date] = frozenset()
        minutes = inputs.availability.max_minutes_by_weekday
        self.day_caps_s = tuple(_floor_step(minutes.get(weekday, 0) * 60) for weekday in range(WEEK_DAYS))

    # -- slots ----------------------------------------------------------------------------------------------

    def _day_cap_s(self, day: date) -> int:
        return self.day_caps_s[day.weekday()]

    def _slot(
        self, day: date, role: Role, kind: WorkoutKind, variant: str | None = None, cap_s: int | None = None
    ) -> _Slot | None:
        cap = min(self._day_cap_s(day), self.caps[role.value] * 60)
        if cap_s is not None:
            cap = min(cap, cap_s)
        minimum = OPENERS_MIN_S if role is Role.OPENERS else _min_s(kind, self.sport, variant)
        if role is Role.LONG:
            minimum = max(minimum, LONG_MIN_MIN[self.sport] * 60)
        if cap < minimum:
            return None
        return _Slot(day, role, kind, minimum, cap, variant)

    def _easy(self, day: date, cap_s: int | None = None) -> _Slot | None:
        return self._slot(day, Role.EASY, WorkoutKind.ENDURANCE, cap_s=cap_s) or self._slot(
            day, Role.RECOVERY, WorkoutKind.RECOVERY, cap_s=cap_s
        )

    def _recovery(self, day: date) -> _Slot | None:
        return self._slot(day, Role.RECOVERY, WorkoutKind.RECOVERY)

    def _openers(self, day: date) -> _Slot | None:
        return self._slot(day, Role.OPENERS, WorkoutKind.ENDURANCE) or self._recovery(day)

    def _fixed(self, day: date) -> tuple[bool, _Slot | None]:
        """Days the rules fix whatever the week: races, race eves and mornings after, the final taper."""
        if day in self.race_workouts:
            workout = self.race_workouts[day]
            return True, _Slot(day, Role.RACE, WorkoutKind.RACE, workout.duration_s, workout.duration_s, fixed=workout)
        if self.goal is not None and day in self.taper_days:
            before = (self.goal.day - day).days
            if before == 1:
                return True, self._openers(day)
            if before == 2:
                return True, None  # rest two days out (the shared taper's race-week rhythm)
            # Race-pace efforts six and four days out; the race's own week holds one (the race is the other).
            effort = before == TAPER_EFFORT_DAYS[-1] or monday(day) != monday(self.goal.day)
            if before in TAPER_EFFORT_DAYS and effort:
                kinds = _quality_kinds(self.sport, Phase.TAPER, self.goal)
                slot = None
                if kinds and not self._next_to_race(day):
                    kind, variant = kinds[0]
                    slot = self._slot(day, Role.QUALITY, kind, variant, cap_s=TAPER_QUALITY_CAP_S)
                return True, slot or self._easy(day, TAPER_EASY_CAP_S)
            return True, self._easy(day, TAPER_EASY_CAP_S)
        for race_day, race in self.races.items():
            before = (race_day - day).days
            if before == -1 and race.priority is not Priority.C:
                return True, self._recovery(day)
            if before == 1:
                return True, self._openers(day) if race.priority is Priority.B else self._easy(day)
            if race.priority is Priority.B and 1 < before <= MINI_TAPER_DAYS:
                return True, self._easy(day, MINI_TAPER_CAP_S)
        return False, None

    def _next_to_race(self, day: date) -> bool:
        return any(abs((race_day - day).days) <= 1 for race_day in self.races)

    def skeleton(self, spec: _WeekSpec, last_quality: date | None) -> list[_Slot]:
        """The week's sessions before their durations: who does what on which day."""
        slots: dict[date, _Slot] = {}
        free: list[date] = []
        for day in spec.days:
            fixed, slot = self._fixed(day)
            if fixed:
                if slot is not None:
                    slots[day] = slot
            elif self._day_cap_s(day) > 0:
                free.append(day)
        # Races come first; a taper effort that would make a third quality day becomes an easy day.
        races = sum(1 for s in slots.values() if s.role is Role.RACE)
        efforts = sorted(d for d, s in slots.items() if s.role is Role.QUALITY)
        for day in efforts[max(0, MAX_QUALITY_DAYS - races) :]:
            replacement = self._easy(day, TAPER_EASY_CAP_S)
            if replacement is None:
                del slots[day]
            else:
                slots[day] = replacement
        quality_days = {d for d, s in slots.items() if s.quality}
        if last_quality is not None:
            quality_days.add(last_quality)

        # The long session: the free day with the most time (the later one on ties: weekends).
        long_day = None
        long_candidates = [d for d in free if self._slot(d, Role.LONG, WorkoutKind.LONG) is not None]
        # No long session in the taper or a recovery week (short easy days recover better than one long one),
        # nor in a week with an A or B race: the race is the week's long effort.
        big_race = any(r.priority is not Priority.C and r.day in spec.days for r in self.races.values())
        if long_candidates and spec.phase is not Phase.TAPER and not spec.recovery and not big_race:
            long_day = max(long_candidates, key=lambda d: (self._day_cap_s(d), d))
            long_slot = self._slot(long_day, Role.LONG, WorkoutKind.LONG)
            assert long_slot is not None
            slots[long_day] = long_slot
            free.remove(long_day)

        # Quality days: up to two (races count; one in a recovery week), never next to another quality day.
        kinds = _quality_kinds(self.sport, spec.phase, self.goal)
        allowed = MAX_QUALITY_DAYS - sum(1 for s in slots.values() if s.quality)
        if spec.recovery:
            allowed = min(allowed, 1)
        allowed = min(allowed, len(kinds))
        chosen = self._choose_quality(free, kinds, allowed, quality_days, long_day)
        for day, (kind, variant) in chosen:
            cap = RECOVERY_QUALITY_CAP_S if spec.recovery else None
            slot = self._slot(day, Role.QUALITY, kind, variant, cap_s=cap)
            assert slot is not None
            slots[day] = slot
            free.remove(day)

        for day in free:
            slot = self._easy(day)
            if slot is not None:
                slots[day] = slot

        # One day off a week (Friel): with all seven days used, the shortest easy day rests.
        if len(slots) == WEEK_DAYS:
            easy = [s for s in slots.values() if s.role in (Role.EASY, Role.RECOVERY)]
            if easy:
                del slots[min(easy, key=lambda s: (s.cap_s, s.day)).day]
        return [slots[d] for d in sorted(slots)]

    def _choose_quality(
        self,
        free: list[date],
        kinds: Sequence[tuple[WorkoutKind, str | None]],
        allowed: int,
        taken: set[date],
        long_day: date | None,
    ) -> list[tuple[date, tuple[WorkoutKind, str | None]]]:
        if allowed <= 0:
            return []

        considered = kinds[:allowed]
        need_s = max(_min_s(kind, self.sport, variant) for kind, variant in considered)

        def usable(day: date) -> bool:
            if any(abs((day - other).days) <= 1 for other in taken):
                return False
            return min(self._day_cap_s(day), self.caps[Role.QUALITY.value] * 60) >= need_s

        def score(days: Sequence[date]) -> tuple[int, int, int, int]:
            apart_from_long = sum(1 for d in days if long_day is None or abs((d - long_day).days) > 1)
            spread = abs((days[-1] - days[0]).days)
            return (len(days), apart_from_long, min(self._day_cap_s(d) for d in days), spread)

        candidates = [d for d in free if usable(d)]
        options: list[list[date]] = [[d] for d in candidates]
        if allowed >= 2:
            options += [[x, y] for x in candidates for y in candidates if (y - x).days > 1]
        best = max(options, key=score, default=[])
        # The principal session (the phase's first) goes on the day with more time.
        ordered = sorted(best, key=lambda d: (-self._day_cap_s(d), d))
        return [(day, considered[i]) for i, day in enumerate(ordered)]

    # -- durations and load ---------------------------------------------------------------------------------

    def _budget(self, slots: list[_Slot]) -> list[_Slot]:
        """Caps shrunk in proportion so the week's time fits the weekly hours; slots that no longer fit go."""
        budget = _floor_step(self.availability.weekly_hours * 3600)
        slots = list(slots)
        while True:
            fixed_s = sum(s.cap_s for s in slots if s.fixed is not None)
            flexible = [s for s in slots if s.fixed is None]
            room = budget - fixed_s
            total = sum(s.cap_s for s in flexible)
            if total <= room:
                return slots
            if room <= 0 or not flexible:
                return [s for s in slots if s.fixed is not None]
            scale = room / total
            shrunk = [replace(s, cap_s=_floor_step(s.cap_s * scale)) if s.fixed is None else s for s in slots]
            fits = sum(s.cap_s for s in shrunk if s.fixed is None) <= room
            if fits and all(s.cap_s >= s.min_s for s in shrunk):
                return shrunk
            # Drop the least important session and try again: easy first, then quality, the long one last.
            slots.remove(min(flexible, key=_drop_order))

    def _realize(self, slots: Sequence[_Slot], s: float) -> list[_Built]:
        out = []
        for slot in slots:
            if slot.fixed is not None:
                tss = slot.fixed.planned_tss
                out.append(_Built(slot.day, slot.fixed, tss, 0, True))
                continue
            duration = slot.min_s + _floor_step(s * (slot.cap_s - slot.min_s))
            if slot.role is Role.OPENERS:
                workout = library.openers(self.sport, duration)
                if workout is None:
                    continue
                built = _Built(slot.day, workout, workout.planned_tss, library.quality_seconds(workout), False)
            else:
                cached = _session(slot.kind, self.sport, duration, slot.variant)
                if cached is None:
                    continue
                built = _Built(slot.day, cached.workout, cached.tss, cached.quality_s, False)
            out.append(built)
        return out

    def week(self, spec: _WeekSpec, state: _State, ctl_ref: float, target_tss: float, done_tss: float) -> _WeekResult:
        """The week's sessions: the most load up to ``target_tss`` whose CTL gain stays within the ramp."""
        slots = self._budget(self.skeleton(spec, state.last_quality))
        ramp_limit = ctl_ref + self.ramp

        def ok(built: list[_Built], *, with_races: bool = True) -> bool:
            """Within the week's target and ramp; a race's load counts in both (``with_races``: the race is
            the week's hardest session), but only the training decides whether the shortest week fits."""
            counted = built if with_races else [b for b in built if not b.race]
            if done_tss + sum(b.tss for b in counted) > target_tss + 1e-9 and not all(b.race for b in built):
                return False
            end = _advance(state, spec.days, counted)
            return end.ctl <= ramp_limit + 1e-9 or all(b.race for b in built)

        while True:
            # Sessions go (easy first) until the shortest version of the week fits the limits. A race's own
            # load counts against the ramp too, but never empties its week: the shortest sessions stay.
            while not ok(self._realize(slots, 0.0), with_races=False):
                flexible = [s for s in slots if s.fixed is None]
                if not flexible:
                    break
                slots.remove(min(flexible, key=_drop_order))
            best = self._realize(slots, 0.0)
            shortfall = 0.0
            top = self._realize(slots, 1.0)
            if ok(top):
                best = top
                # Only a plain training week reports a shortfall: in a race or taper week the rules ask less.
                if spec.phase is not Phase.TAPER and not any(self._fixed(day)[0] for day in spec.days):
                    shortfall = max(0.0, target_tss - done_tss - sum(b.tss for b in top))
            else:
                lo, hi = 0.0, 1.0
                # Enough halvings to tell apart every 5-minute step of the widest session's range.
                widest = max(((s.cap_s - s.min_s) // STEP_S for s in slots if s.fixed is None), default=1)
                for _ in range(min(SEARCH_STEPS, max(1, widest).bit_length())):
                    mid = (lo + hi) / 2
                    candidate = self._realize(slots, mid)
                    if ok(candidate):
                        lo, best = mid, candidate
                    else:
                        hi = mid
            training = [b for b in best if not b.race]
            total_s = sum(b.workout.duration_s for b in training)
            quality_s = sum(b.quality_s for b in training)
            if total_s == 0 or quality_s <= MAX_QUALITY_SHARE * total_s:
                break
            # Too much of the week at intensity: the last quality session becomes an endurance one.
            last = max((s for s in slots if s.role is Role.QUALITY), key=lambda s: s.day, default=None)
            if last is None:
                break
            index = slots.index(last)
            easy = self._easy(last.day, last.cap_s)
            if easy is None:
                del slots[index]
            else:
                slots[index] = easy
        return _WeekResult(tuple(best), target_tss, shortfall, _advance(state, spec.days, best))

    # -- the plan ---------------------------------------------------------------------------------------------

    def _specs(self, starts: Sequence[date]) -> list[tuple[date, tuple[date, ...]]]:
        today, end = self.inputs.today, self.end
        out = []
        for start in starts:
            days = tuple(d for d in (start + timedelta(days=i) for i in range(WEEK_DAYS)) if today <= d <= end)
            out.append((start, days))
        return out

    def plan(self) -> Plan:
        inputs = self.inputs
        today = inputs.today
        first = monday(today)
        starts = [first + timedelta(weeks=i) for i in range((self.end - first).days // WEEK_DAYS + 1)]
        weeks = self._specs(starts)
        done_before = {d: t for d, t in inputs.done_tss_by_day.items() if first <= d < today}
        done_first = sum(done_before.values())
        # CTL at the end of last Sunday: this morning's CTL with this week's done days taken back out.
        ctl_ref, atl_ref = inputs.ctl, inputs.atl
        for offset in range((today - first).days):
            load = done_before.get(today - timedelta(days=offset + 1), 0.0)
            ctl_ref = (ctl_ref - pmc.K_CTL * load) / (1.0 - pmc.K_CTL)
            atl_ref = (atl_ref - pmc.K_ATL * load) / (1.0 - pmc.K_ATL)

        window_start = None
        if self.goal is not None:
            window_start = max(first, monday(self.goal.day - timedelta(days=WINDOW_DAYS)))
        pre = [w for w in weeks if window_start is None or w[0] < window_start]
        window = [w for w in weeks if window_start is not None and w[0] >= window_start]

        phases: list[Phase] = []
        if self.goal is None:
            phases = [Phase.BASE if i < BLOCK_BASE_WEEKS else Phase.BUILD for i in range(len(pre))]
        else:
            n_build = min(BUILD_MAX_WEEKS, round(len(pre) * BUILD_SHARE))
            phases = [Phase.BASE] * (len(pre) - n_build) + [Phase.BUILD] * n_build

        recovery_weeks = self._recovery_weeks(len(weeks), fatigued=inputs.ctl - inputs.atl < START_FATIGUED_TSB)

        state = _State(inputs.ctl, inputs.atl, inputs.last_hard_day)
        out_weeks: list[PlanWeek] = []
        all_built: list[_Built] = []
        for index, ((start, days), phase) in enumerate(zip(pre, phases, strict=True)):
            spec = _WeekSpec(start, days, phase, index in recovery_weeks)
            done = done_first if index == 0 else 0.0
            if spec.recovery:
                target = RECOVERY_WEEK_FRACTION * weekly_load_for_ramp(ctl_ref, 0.0)
            else:
                target = weekly_load_for_ramp(ctl_ref, self.ramp)
            result = self.week(spec, state, ctl_ref, target, done)
            out_weeks.append(self._plan_week(spec, result))
            all_built += result.built
            state = result.state
            ctl_ref = state.ctl

        if self.goal is not None and window:
            window_recovery = {i - len(pre) for i in recovery_weeks if i >= len(pre)}
            built, window_weeks = self._window(window, state, ctl_ref, done_first if not pre else 0.0, window_recovery)
            out_weeks += window_weeks
            all_built += built

        loads: dict[date, float] = {}
        for item in all_built:
            loads[item.day] = loads.get(item.day, 0.0) + item.tss
        ctls, atls = pmc.pmc_series(pmc.daily_load_series(loads, today, self.end), ctl0=inputs.ctl, atl0=inputs.atl)
        projection = tuple(
            ProjectedDay(today + timedelta(days=i), ctl, atl)
            for i, (ctl, atl) in enumerate(zip(ctls, atls, strict=True))
        )
        name = f"{self.goal.name} {self.goal.day:%Y-%m-%d}" if self.goal else BLOCK_NAME
        return Plan(name=name, start=today, end=self.end, race=self.goal, weeks=tuple(out_weeks), projection=projection)

    def _recovery_weeks(self, count: int, *, fatigued: bool) -> set[int]:
        """Which weeks recover, so that no more than ``recovery_every − 1`` loading weeks run in a row.

        With a race the blocks are laid out backward from the race week (as Friel plans a season backward
        from its goal): the taper is the last unloading, the block before it is a full one, and the fewest
        recovery weeks that keep every block short enough split the weeks before it into blocks as even as
        possible, the shorter ones first — so the plan never opens with a recovery week it has no reason
        for. Without a race the blocks run forward from the start. A tired athlete starts with one.
        """
        block = self.availability.recovery_every - 1  # loading weeks per block at most
        first = 1 if fatigued else 0
        weeks = {0} if fatigued else set()
        if self.goal is None:
            return weeks | set(range(first + block, count, block + 1))
        before_race = count - 1 - first  # weeks from ``first`` up to the race week
        if before_race <= block:
            return weeks
        recoveries = -(-(before_race - block) // (block + 1))
        loading = before_race - recoveries - block  # to share among the blocks before the last
        last = block
        while loading < recoveries and last > 1:  # no empty first block: the last one gives a week
            loading, last = loading + 1, last - 1
        sizes = [
            loading // recoveries + (1 if i >= recoveries - loading % recoveries else 0) for i in range(recoveries)
        ]
        position = first
        for size in sizes:
            position += size
            weeks.add(position)
            position += 1
        return weeks

    def _plan_week(self, spec: _WeekSpec, result: _WeekResult) -> PlanWeek:
        sessions = tuple(PlannedSession(b.day, b.workout) for b in sorted(result.built, key=lambda b: b.day))
        return PlanWeek(
            start=spec.start,
            phase=spec.phase,
            recovery=spec.recovery,
            target_tss=round(result.target_tss, 1),
            sessions=sessions,
            shortfall_tss=round(result.shortfall_tss, 1),
        )

    def _window(
        self,
        window: Sequence[tuple[date, tuple[date, ...]]],
        state: _State,
        ctl_ref: float,
        done_first: float,
        recovery_weeks: set[int],
    ) -> tuple[list[_Built], list[PlanWeek]]:
        """The last weeks: hold, then the taper the shared search picks, scaled until race-morning TSB fits."""
        goal = self.goal
        assert goal is not None
        first_day = window[0][1][0] if window[0][1] else goal.day
        days_to_race = (goal.day - first_day).days
        if days_to_race < 1:
            taper_loads: dict[date, float] = {}
            taper_days = 0
        else:
            search = plan_taper(state.ctl, state.atl, start=first_day, race_day=goal.day, build_margin=0.0)
            taper_loads = {first_day + timedelta(days=i): load for i, load in enumerate(search.loads)}
            taper_days = search.taper_days
        self.taper_days = frozenset(goal.day - timedelta(days=i) for i in range(1, taper_days + 1))
        specs = []
        for index, (start, days) in enumerate(window):
            in_taper = sum(1 for d in days if d in self.taper_days or d == goal.day)
            if in_taper * 2 >= max(1, len(days)):
                specs.append(_WeekSpec(start, days, Phase.TAPER, False))
            else:
                specs.append(_WeekSpec(start, days, Phase.PEAK, index in recovery_weeks))

        def run(scale: float) -> tuple[float, float, list[_WeekResult]]:
            current, reference = state, ctl_ref
            results = []
            for index, spec in enumerate(specs):
                target = scale * sum(taper_loads.get(d, 0.0) for d in spec.days if d != goal.day)
                if spec.recovery:
                    target = min(target, RECOVERY_WEEK_FRACTION * weekly_load_for_ramp(reference, 0.0))
                done = done_first if index == 0 else 0.0
                result = self.week(spec, current, reference, target + done, done)
                results.append(result)
                current = result.state
                reference = current.ctl
            loads: dict[date, float] = {}
            for result in results:
                for item in result.built:
                    loads[item.day] = loads.get(item.day, 0.0) + item.tss
            ctl, atl = state.ctl, state.atl
            day = first_day
            while day < goal.day:
                load = loads.get(day, 0.0)
                ctl += pmc.K_CTL * (load - ctl)
                atl += pmc.K_ATL * (load - atl)
                day += timedelta(days=1)
            return ctl - atl, ctl, results

        tried = [(1.0, *run(1.0))]
        low_band, high_band = TARGET_TSB
        if not low_band <= tried[0][1] <= high_band:
            lo, hi = (0.0, 1.0) if tried[0][1] < low_band else (1.0, 3.0)
            for _ in range(SEARCH_STEPS):
                mid = (lo + hi) / 2
                attempt = run(mid)
                tried.append((mid, *attempt))
                if attempt[0] > IDEAL_TSB:
                    lo = mid
                else:
                    hi = mid

        def distance(tsb: float) -> float:
            return 0.0 if low_band <= tsb <= high_band else min(abs(tsb - low_band), abs(tsb - high_band))

        _, _, _, results = min(tried, key=lambda t: (distance(t[1]), -t[2], abs(t[1] - IDEAL_TSB)))
        built = [item for result in results for item in result.built]
        return built, [self._plan_week(spec, result) for spec, result in zip(specs, results, strict=True)]


def build_plan(inputs: PlanInputs) -> Plan:
    """The plan from ``inputs.today`` to the next A race (or a 12-week block): see the module's rules."""
    return _Planner(inputs).plan()


OPENERS_MIN_S = 25 * 60
TAPER_EASY_CAP_S = 75 * 60
TAPER_QUALITY_CAP_S = 75 * 60
RECOVERY_QUALITY_CAP_S = 75 * 60


def _drop_order(slot: _Slot) -> tuple[int, int]:
    rank = {Role.RECOVERY: 0, Role.EASY: 1, Role.OPENERS: 2, Role.QUALITY: 3, Role.LONG: 4, Role.RACE: 5}
    return rank[slot.role], slot.cap_s


def plan_name_text(name: str) -> str:
    """A stored plan name as the athlete reads it: the block plan's name translated, a race plan's as it is
    (the race's own name and its date)."""
    return t("{weeks}-week base and build", weeks=BLOCK_WEEKS) if name == BLOCK_NAME else name
