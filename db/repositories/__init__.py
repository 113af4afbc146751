"""Repositories: typed queries that take an `AsyncSession` and never commit.

The unit of work (one Telegram update, one job, one HTTP request) owns the transaction.
"""
