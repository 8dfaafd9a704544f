"""An account's folders and quota as administrators see them (IMAP::Admin's job): the REST
endpoints under /api/v1/accounts/<address>/folders/ and /quota, and the `folders` and `quota`
management commands, over the store's services."""
