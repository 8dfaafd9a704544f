"""The SMTP client that hands queued mail to the configured smarthost (SMTP_RELAY_URL).

`smtp://user:pass@host:587` upgrades with STARTTLS whenever the server offers it;
`smtps://user:pass@host:465` is TLS from the start. The password is only ever sent over TLS or
to a loopback host. `?verify=false` skips the certificate check, `?cafile=PATH` trusts a
private CA. Everything that goes wrong before the server answered about a recipient is a
temporary failure (4.4.x / 4.7.0): the queue retries it.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from imapd.smtp.replies import Reply

_SECURE_STATUS = Reply(451, "4.7.0", "The smarthost offers no TLS; credentials not sent")


@dataclass(frozen=True)
class Smarthost:
    host: str
    port: int
    implicit_tls: bool
    username: str
    password: str
    verify: bool
    cafile: str | None

    @classmethod
    def from_url(cls, url: str) -> Smarthost:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "",
            port=parts.port or (465 if implicit else 587),
            implicit_tls=implicit,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            verify=query.get("verify", ["true"])[0].lower() not in ("false", "0", "no"),
            cafile=query.get("cafile", [None])[0],
        )

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cafile)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(str(reply))
        self.reply = reply


def _reply(code: int, message: bytes | str) -> Reply:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return Reply.parse(f"{code} {' '.join(text.split())}")


def _connect(target: Smarthost) -> smtplib.SMTP:
    timeout = settings.RELAY_TIMEOUT
    local = settings.MAIL_HOSTNAME
    client: smtplib.SMTP
    if target.implicit_tls:
        client = smtplib.SMTP_SSL(
            target.host, target.port, local, timeout=timeout, context=target.tls_context()
        )
    else:
        client = smtplib.SMTP(target.host, target.port, local, timeout=timeout)
    try:
        client.ehlo()
        secure = target.implicit_tls
        if not secure and client.has_extn("starttls"):
            client.starttls(context=target.tls_context())
            client.ehlo()
            secure = True
        if target.username:
            if not (secure or target.is_loopback):
                raise _Refused(_SECURE_STATUS)
            client.login(target.username, target.password)
    except BaseException:
        client.close()
        raise
    return client


def _mail_options(
    client: smtplib.SMTP, sender: str, recipients: Sequence[str], size: int, eight_bit: bool
) -> list[str]:
    options: list[str] = []
    if client.has_extn("size"):
        options.append(f"SIZE={size}")
    if eight_bit and client.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    if not sender.isascii() or not all(r.isascii() for r in recipients):
        if not client.has_extn("smtputf8"):
            raise _Refused(Reply(553, "5.6.7", "The smarthost cannot take UTF-8 addresses"))
        options.append("SMTPUTF8")
    return options


def _transaction(
    client: smtplib.SMTP, sender: str, recipients: Sequence[str], content: bytes
) -> dict[str, Reply]:
    options = _mail_options(client, sender, recipients, len(content), not content.isascii())
    code, message = client.mail(sender, options)
    if code != 250:
        raise _Refused(_reply(code, message))
    results: dict[str, Reply] = {}
    accepted: list[str] = []
    for recipient in recipients:
        code, message = client.rcpt(recipient)
        if code in (250, 251):
            accepted.append(recipient)
        else:
            results[recipient] = _reply(code, message)
    if not accepted:
        client.rset()
        return results
    try:
        final = _reply(*client.data(content))
    except smtplib.SMTPDataError as error:
        final = _reply(error.smtp_code, error.smtp_error)
    for recipient in accepted:
        results[recipient] = final
    return results


def smarthost_send(*, sender: str, recipients: Sequence[str], content: bytes) -> dict[str, Reply]:
    """Offer one message to the smarthost; the reply for each recipient."""
    target = Smarthost.from_url(settings.SMTP_RELAY_URL)
    try:
        client = _connect(target)
        try:
            return _transaction(client, sender, recipients, content)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
    except _Refused as refused:
        reply = refused.reply
    except smtplib.SMTPResponseException as error:
        reply = _reply(error.smtp_code, error.smtp_error)
        if not reply.temporary:  # a refused login or TLS setup is ours to fix, not the sender's
            reply = Reply(451, "4.7.0", f"Smarthost session failed: {reply}")
    except (OSError, smtplib.SMTPException) as error:
        reply = Reply(451, "4.4.1", f"Cannot reach the smarthost: {error or type(error).__name__}")
    return dict.fromkeys(recipients, reply)


def smarthost_name() -> str:
    return Smarthost.from_url(settings.SMTP_RELAY_URL).host
