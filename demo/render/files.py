"""Attachment bytes (附件): real, small, valid files built by hand from the model.

- PDF: hand-written objects; Chinese text in the standard CID font STSong-Light with the
  UniGB-UCS2-H CMap (not embedded, as Chinese government PDFs often do), with a correct xref.
- DOCX: a WordprocessingML zip with fixed timestamps so the bytes never change.
- PNG: an RGB "一图读懂" picture drawn from the file id (zlib + struct).
- MP4: only the container header (ftyp + moov/mvhd + empty mdat): enough for a link checker and
  a MIME sniffer, but it holds no playable frames.

Hand-written rather than reportlab/python-docx/Pillow: none of those is a project dependency, and
the files must be byte-identical across runs.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from html import unescape

from demo.model import Article, Attachment, Portal
from demo.render.content import body_html

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    # WPS 文字: the sample serves the OOXML bytes, which WPS opens under this name too.
    "wps": "application/kswps",
    "png": "image/png",
    "mp4": "video/mp4",
}


def document_lines(portal: Portal, article: Article) -> list[str]:
    """The document as plain lines: title, then the body text (so the 文号 printed in the body —
    body_doc_no — is also the one in the attachment)."""
    html = body_html(portal, article, lambda _f: "")
    html = re.sub(r"</p>|<br\s*/?>|</h3>|</tr>", "\n", html)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    lines = [line.strip() for line in text.splitlines()]
    return [article.title, *(line for line in lines if line)]


def attachment_bytes(portal: Portal, article: Article, attachment: Attachment) -> bytes:
    """The file behind an attachment link; ValueError for an extension we cannot make."""
    if attachment.ext == "pdf":
        return pdf_bytes(document_lines(portal, article))
    if attachment.ext in ("docx", "doc", "wps"):
        return docx_bytes(article.title, document_lines(portal, article)[1:])
    if attachment.ext == "png":
        return png_bytes(attachment.file_id)
    if attachment.ext == "mp4":
        return mp4_bytes(seconds=60 + attachment.file_id % 240)
    raise ValueError(f"attachment {attachment.file_id}: unsupported extension {attachment.ext!r}")


# -- PDF --------------------------------------------------------------------------------------
def _wrap(lines: list[str], width: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return out


def _ucs2(text: str) -> str:
    # UniGB-UCS2-H takes 2-byte UCS-2 codes; anything outside the BMP becomes a full-width ？.
    text = "".join(ch if ord(ch) < 0x10000 else "？" for ch in text)
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def pdf_bytes(lines: list[str], max_lines: int = 40) -> bytes:
    """A one-page A4 PDF showing `lines` (title first, larger)."""
    wrapped = _wrap(lines[1:], 32)[: max_lines - 2]
    ops = ["BT", "/F1 16 Tf", "72 780 Td", f"{_ucs2(lines[0][:30])} Tj", "/F1 12 Tf"]
    for line in wrapped:
        ops += ["0 -18 Td", f"{_ucs2(line)} Tj"]
    ops.append("ET")
    content = "\n".join(ops).encode("ascii")
    title_hex = "<FEFF" + lines[0].encode("utf-16-be").hex().upper() + ">"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
        b"<< /Title " + title_hex.encode("ascii") + b" /Producer (zwgk demo) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (
        len(objects) + 1,
        len(objects),
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


# -- DOCX -------------------------------------------------------------------------------------
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    paras = [
        f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
        f"<w:t>{_xml_text(title)}</w:t></w:r></w:p>"
    ]
    paras += [
        f'<w:p><w:r><w:t xml:space="preserve">{_xml_text(p)}</w:t></w:r></w:p>' for p in paragraphs
    ]
    parts = {
        "[Content_Types].xml": head
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>",
        "_rels/.rels": head + f'<Relationships xmlns="{_PKG_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC_REL}" Target="word/document.xml"/>'
        f'<Relationship Id="rId2" Type="{_CORE_REL}" Target="docProps/core.xml"/>'
        "</Relationships>",
        "docProps/core.xml": head
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{_xml_text(title)}</dc:title></cp:coreProperties>",
        "word/_rels/document.xml.rels": head
        + f'<Relationships xmlns="{_PKG_RELS}"></Relationships>',
        "word/document.xml": head + f'<w:document xmlns:w="{_W}"><w:body>{"".join(paras)}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in parts.items():
            # A fixed timestamp: the default (now) would change the bytes on every run.
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


# -- PNG --------------------------------------------------------------------------------------
def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(file_id: int, width: int = 240, height: int = 160) -> bytes:
    """A small bar-chart picture: a coloured title band and bars whose heights come from the id."""
    rng = random.Random(file_id)
    band = bytes((rng.randint(150, 230), rng.randint(20, 60), rng.randint(20, 60)))
    bar = bytes((rng.randint(20, 80), rng.randint(90, 160), rng.randint(180, 240)))
    white = b"\xff\xff\xff"
    bars = [rng.randint(20, height - 50) for _ in range(6)]
    rows = []
    for y in range(height):
        if y < 30:
            row = band * width
        else:
            # Left margin 15 px, then six 24-px bars 12 px apart; a bar is drawn from the
            # baseline (10 px above the bottom) up to its height.
            segments = [white * 15]
            for h in bars:
                filled = y < height - 10 and height - 10 - y < h
                segments.append((bar if filled else white) * 24 + white * 12)
            row = b"".join(segments)
            row = (row + white * width)[: width * 3]
        rows.append(b"\x00" + row)  # filter type 0 (None) per scanline
    raw = b"".join(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


# -- MP4 --------------------------------------------------------------------------------------
def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(seconds: int = 90) -> bytes:
    """ftyp + moov(mvhd) + empty mdat: a valid ISO-BMFF header, no media samples."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(
            ">IIIII", 0, 0, 0, 1000, seconds * 1000
        )  # version/flags, times, timescale, duration
        + struct.pack(">IH", 0x00010000, 0x0100)  # rate 1.0, volume 1.0
        + b"\x00" * 10
        + matrix
        + b"\x00" * 24
        + struct.pack(">I", 2),  # next track id
    )
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", b"")
