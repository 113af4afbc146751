"""Periodized training plans: phases, weekly loads from the PMC, sessions from the workout library, adaptation."""
