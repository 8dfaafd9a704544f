"""Provisioning tokens arrive with the provisioning feature."""
