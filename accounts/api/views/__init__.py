"""REST API views: thin layers that parse, call accounts.services and render."""
