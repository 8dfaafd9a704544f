"""TLS for the mail listeners: the configured certificate, or a self-signed one (embedded run).

The self-signed pair is generated once (key mode 0600) under DATA_DIR/tls/ with the `cryptography`
package, so every daemon process of one installation presents the same certificate.
"""

from __future__ import annotations

import datetime
import fcntl
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings


def certificate_paths() -> tuple[Path, Path]:
    """(certificate, key) paths: the configured ones, else the generated self-signed pair."""
    if settings.TLS_CERT_FILE:
        return Path(settings.TLS_CERT_FILE), Path(settings.TLS_KEY_FILE)
    directory = settings.DATA_DIR / "tls"
    cert, key = directory / "selfsigned.crt", directory / "selfsigned.key"
    if cert.exists() and key.exists():
        return cert, key
    directory.mkdir(parents=True, exist_ok=True)
    # Daemon processes starting together (runimapd --processes) must not each make a pair:
    # one would present the other's certificate with its own key. The first makes it.
    with (directory / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cert.exists() or not key.exists():
            _generate_self_signed(cert, key, settings.MAIL_HOSTNAME)
    return cert, key


def _generate_self_signed(cert_path: Path, key_path: Path, hostname: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [
        x509.DNSName(hostname),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Temporary names renamed into place: a reader never sees half a file. The key goes
    # first, so that a reader finding the certificate finds its key.
    tmp_key, tmp_cert = key_path.with_suffix(".key.tmp"), cert_path.with_suffix(".crt.tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_bytes)
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_key, key_path)
    os.replace(tmp_cert, cert_path)


def server_context() -> ssl.SSLContext:
    """A server-side context with modern defaults (TLS 1.2+)."""
    cert, key = certificate_paths()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
