"""REST endpoints of the moderation app: the registration queue and pending actions."""
