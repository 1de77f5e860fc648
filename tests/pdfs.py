"""Helpers that build small PDFs for loader tests (reportlab; no files are checked in)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

JAPANESE_FONT = "HeiseiKakuGo-W5"
_FONT_SIZE = 10
_LEADING = 16
_TOP = 800
_LEFT = 50


def _register_japanese_font() -> None:
    if JAPANESE_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))


def _draw_pages(c: canvas.Canvas, pages: list[list[str]], font: str) -> None:
    for lines in pages:
        c.setFont(font, _FONT_SIZE)
        y = _TOP
        for line in lines:
            c.drawString(_LEFT, y, line)
            y -= _LEADING
        c.showPage()


def make_japanese_pdf(path: Path, pages: list[list[str]]) -> Path:
    """Write a PDF with one page per entry of ``pages``, one drawn line per string.

    Uses reportlab's built-in CID font, which pypdf extracts back verbatim.
    """
    _register_japanese_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    _draw_pages(c, pages, JAPANESE_FONT)
    c.save()
    return Path(path)


def make_encrypted_pdf(
    path: Path,
    user_password: str,
    pages: list[list[str]] | None = None,
    owner_password: str = "owner-secret",
) -> Path:
    """Write an RC4-128 encrypted PDF (readable by pypdf without extra crypto packages).

    With ``user_password=""`` the file opens without a password (owner restrictions only).
    """
    _register_japanese_font()
    encryption = pdfencrypt.StandardEncryption(
        user_password, ownerPassword=owner_password, strength=128
    )
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=encryption)
    _draw_pages(c, pages or [["秘密の文書です。"]], JAPANESE_FONT)
    c.save()
    return Path(path)


def make_image_only_pdf(path: Path, page_count: int = 1) -> Path:
    """Write a PDF whose pages hold only drawn shapes, like a scan without OCR."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(page_count):
        c.setFillColorRGB(0.2, 0.2, 0.2)
        c.rect(100, 400, 300, 200, fill=1)
        c.showPage()
    c.save()
    return Path(path)


def make_truncated_pdf(path: Path) -> Path:
    """Write the first half of a valid PDF: header present, body and xref cut off."""
    full = path.with_name(path.stem + "_full.pdf")
    make_japanese_pdf(full, [["壊れる前の本文です。"], ["二ページ目"]])
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 2])
    return Path(path)


def make_garbage_pdf(path: Path) -> Path:
    """Write deterministic non-PDF bytes under a .pdf name."""
    path.write_bytes(bytes((i * 37 + 11) % 256 for i in range(2048)))
    return Path(path)
