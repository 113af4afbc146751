"""The plan chart's data: the stored plan's projected PMC to its end, and the actual PMC since it began.

The projection is the plan's own (`TrainingPlan.projection`, end-of-day CTL/ATL, rewritten whenever the plan
adapts); the actual line is the athlete's PMC from the same loads `/fitness` uses (`coach.history`), so the
two charts never disagree. Race-morning form is the day before's CTL − ATL, as the readiness rules read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coach import history
from coach.charts import PlanSeries
from db.models import User
from db.repositories import plans, races

# The actual line starts a little before the plan, so where the athlete came from shows.
LEAD_IN_DAYS = 14


@dataclass(frozen=True, slots=True)
class PlanChart:
    series: PlanSeries
    race_morning_tsb: float | None  # projected, None without a race in the plan
    end_ctl: float


async def plan_chart(session: AsyncSession, user: User, *, now: datetime) -> PlanChart | None:
    """``None`` without an active plan (or one with no projection)."""
    plan = await plans.active(session, user_id=user.id)
    if plan is None or not plan.projection:
        return None
    projected = [(date.fromisoformat(p["date"]), float(p["ctl"]), float(p["atl"])) for p in plan.projection]
    loads = await history.load_history(session, user, now=now)
    first = min(plan.start_date, projected[0][0]) - timedelta(days=LEAD_IN_DAYS)
    actual = [d for d in loads.days if d.day >= first]
    race = await races.get(session, user_id=user.id, race_id=plan.race_id) if plan.race_id else None
    morning = None
    if race is not None:
        before = next((p for p in projected if p[0] == race.date - timedelta(days=1)), None)
        morning = before[1] - before[2] if before is not None else None
    series = PlanSeries(
        planned_days=[p[0] for p in projected],
        planned_ctl=[p[1] for p in projected],
        planned_atl=[p[2] for p in projected],
        actual_days=[d.day for d in actual],
        actual_ctl=[d.ctl for d in actual],
        actual_atl=[d.atl for d in actual],
        race_day=race.date if race is not None else None,
        race_label=race.name if race is not None else None,
    )
    return PlanChart(series=series, race_morning_tsb=morning, end_ctl=projected[-1][1])
