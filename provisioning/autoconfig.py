"""Mozilla's autoconfig document (`config-v1.1.xml`), which Thunderbird and Delta Chat fetch
from `autoconfig.<domain>/mail/config-v1.1.xml` or `<domain>/.well-known/autoconfig/...`."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from provisioning.mailservers import ServerEndpoint, imap_endpoints, smtp_endpoints

_SOCKET_TYPES = {"ssl": "SSL", "starttls": "STARTTLS", "plain": "plain"}


def autoconfig_xml(domain: str) -> bytes:
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain)
    ET.SubElement(provider, "domain").text = domain
    ET.SubElement(provider, "displayName").text = domain
    ET.SubElement(provider, "displayShortName").text = domain
    for endpoint in imap_endpoints():
        _server(provider, "incomingServer", "imap", endpoint)
    for endpoint in smtp_endpoints():
        _server(provider, "outgoingServer", "smtp", endpoint)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _server(parent: ET.Element, tag: str, kind: str, endpoint: ServerEndpoint) -> None:
    server = ET.SubElement(parent, tag, type=kind)
    ET.SubElement(server, "hostname").text = endpoint.hostname
    ET.SubElement(server, "port").text = str(endpoint.port)
    ET.SubElement(server, "socketType").text = _SOCKET_TYPES[endpoint.security]
    ET.SubElement(server, "authentication").text = "password-cleartext"
    ET.SubElement(server, "username").text = "%EMAILADDRESS%"
