"""QR codes as PNG images with a readable label under the code.

The label says what scanning gives (which addresses, how long they live) so a printed code
explains itself; the code itself carries only the DCACCOUNT:/dclogin: text.
"""

from __future__ import annotations

import io
from typing import Final

import qrcode
from PIL import Image, ImageDraw, ImageFont

from provisioning.models import Token
from provisioning.tokens import dcaccount_text

_FONT_SIZE: Final = 18
_LINE_GAP: Final = 6
_MARGIN: Final = 16


def token_label_lines(token: Token) -> list[str]:
    return [
        f"{token.address_pattern}  {token.expiry}",
        "Scan with Delta Chat to create an account",
        "(on the login screen: 'Scan invitation code').",
    ]


def token_qr_png(token: Token) -> bytes:
    return qr_png(dcaccount_text(token), token_label_lines(token))


def login_qr_png(*, url: str, address: str) -> bytes:
    return qr_png(url, [address, "Scan with Delta Chat to log in to this account."])


def qr_png(text: str, label_lines: list[str]) -> bytes:
    """`text` as a QR code, with `label_lines` centred below it."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    qr_image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    font = ImageFont.load_default(size=_FONT_SIZE)
    measure = ImageDraw.Draw(qr_image)
    boxes = [measure.textbbox((0, 0), line, font=font) for line in label_lines]
    line_height = _FONT_SIZE + _LINE_GAP
    width = max([qr_image.width, *(box[2] - box[0] + 2 * _MARGIN for box in boxes)])
    height = qr_image.height + line_height * len(label_lines) + _MARGIN
    canvas = Image.new("RGB", (width, height), "white")
    canvas.paste(qr_image, ((width - qr_image.width) // 2, 0))
    draw = ImageDraw.Draw(canvas)
    y = qr_image.height
    for line, box in zip(label_lines, boxes, strict=True):
        draw.text(((width - (box[2] - box[0])) // 2, y), line, fill="black", font=font)
        y += line_height
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()
