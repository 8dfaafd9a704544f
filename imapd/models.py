"""The message store's models arrive with the mail store."""
