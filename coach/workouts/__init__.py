"""Structured workouts: the step model, the library of sessions, targets in the athlete's units, renderers."""
