"""Registrations and pending actions arrive with the moderation feature."""
