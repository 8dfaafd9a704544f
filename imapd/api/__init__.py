"""REST endpoints of the mail store (pymap-admin's `append`)."""
