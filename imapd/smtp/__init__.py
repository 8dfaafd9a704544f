"""Mail delivery: LMTP, SMTP submission and inbound SMTP listeners, the one local delivery path,
the outbound relay queue and its bounces (RFC 3464 DSNs)."""
