"""Background work: the one job runner (`bot.jobs.runner`) and the jobs it runs.

Every process runs a `JobRunner` over the durable queue in PostgreSQL ("Job", `db.repositories.jobs`); the
modules here declare their kinds and schedules on it: the daily reconciliation of every connection
(`reconcile`), the plan's day closes and Sunday message (`plan`), and the hourly clean-up (`housekeeping`).
Other parts declare theirs where their work lives: the reports (`bot.report_jobs`), the calendar writes
(`bot.calendar_jobs`).
"""
