"""Reminders and escalations: rows in the database, claimed and sent by a sweep (see service.py)."""
