"""Encryption at rest with per-account keys.

Keys (`keys`, `models`)
    Each encrypted account has an X25519 key pair. The private key is stored only wrapped:
    with AES-256-GCM under a key derived from the account's password (Argon2id or scrypt, the
    function and its parameters stored with the wrap), and, when the operator configured
    RECOVERY_PUBLIC_KEY_FILE, sealed with HPKE (RFC 9180) to that recovery public key.

Messages (`envelope`, `sealing`)
    Each message content gets its own random AES-256-GCM key, which encrypts its blob and the
    three JSON texts kept for IMAP (envelope, body structure, header fields). That key is
    wrapped to the account's public key with HPKE, so delivery (LMTP, submission, `deliver`,
    the REST append, IMAP APPEND, bounces) never needs the password. After a login the daemon
    re-wraps those keys under a storage key only the private key yields (`maintenance`), which
    opens in microseconds.

Sessions (`keyring`)
    An IMAP login (`accounts.login.login_attempt(..., unlock_keys=True)`) unwraps the private
    keys with the password into a `Keyring` kept in that session's memory only; the store's
    selectors and SEARCH take it as `keyring=`. Nothing derived from the password is stored.

What an attacker with the disk and the database but no password sees of an encrypted
account's mail:
    - in clear: the size of each message, its internal (arrival) date, the instant and day of
      its Date: header (for SORT and SENTON/SINCE/BEFORE), its flags and keywords, UIDs and
      modseqs, its random EMAILID, the mailbox it is in, mailbox names and subscriptions, the
      account's address and quota use; which messages are copies of one another (they share
      one content row); and the length of each encrypted text (about the length of the
      original, plus 28 bytes, base64);
    - encrypted: the message bytes (headers, body, attachments), the envelope (subject,
      addresses, Message-ID, In-Reply-To), the body structure (part types, names, sizes) and
      every header field SEARCH looks in; the `*_search` and `message_id` columns are empty.
    - outside the store: mail waiting in the relay queue to other domains (imapd.smtp.queue)
      is kept in clear until sent, as it leaves in clear over SMTP anyway; a mail's bytes
      pass through memory while it is delivered and read. Deleting a blob file unlinks it:
      the filesystem may keep its old blocks, so a disk that once held mail in clear should
      be trimmed or wiped separately after `encrypt_account`.

Policy (`policy`): MAIL_ENCRYPTION = off | new | required. Lifecycle (`services`): keys at
account creation or first login, password changes that re-wrap in the same transaction as
the hash, recovery with the offline key, confirmed resets, rotation at the next login, and a
resumable Celery job (`tasks`) encrypting mail that was stored in clear.

This package's `models` is imported by `imapd.models`; keep this module free of imports.
"""
