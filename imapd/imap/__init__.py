"""The IMAP protocol layer: framing, parsing and response encoding, free of Django and sockets.

`framing.CommandAssembler` turns lines and literals into whole commands, `parser.parse_command`
turns those into the dataclasses of `commands`, and `responses` encodes what goes back.
"""
