"""Attachment bytes: real PDF, DOCX, PNG and MP4 files, served with the right types."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from demo_fixtures import fetch, small_portal
from lxml import etree

from demo import urls
from demo.render.files import docx_bytes, mp4_bytes, pdf_bytes, png_bytes
from demo.site import Site


@pytest.fixture(scope="module")
def world():
    portal, named = small_portal()
    return portal, named, Site(portal)


def pdf_text(data: bytes) -> str:
    """The text shown by our PDFs: the UCS-2 hex strings of the content stream's Tj operators."""
    stream = re.search(rb"stream\n(.*?)\nendstream", data, re.S).group(1)
    return "\n".join(
        bytes.fromhex(h.decode()).decode("utf-16-be")
        for h in re.findall(rb"<([0-9A-F]+)> Tj", stream)
    )


def check_pdf_structure(data: bytes) -> None:
    """Header, xref offsets pointing at their objects, startxref pointing at the xref."""
    assert data.startswith(b"%PDF-1.4\n")
    assert data.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[start:].startswith(b"xref\n")
    first, count = map(int, re.match(rb"xref\n(\d+) (\d+)\n", data[start:]).groups())
    entries = data[start:].split(b"\n", 2)[2]
    assert first == 0
    for number in range(1, count):
        entry = entries[number * 20 : (number + 1) * 20]
        assert re.fullmatch(rb"\d{10} 00000 n \n", entry), entry
        offset = int(entry[:10])
        assert data[offset:].startswith(b"%d 0 obj\n" % number)
    assert b"/Size %d" % count in data
    length = int(re.search(rb"/Length (\d+)", data).group(1))
    stream = re.search(rb"stream\n(.*?)\nendstream", data, re.S).group(1)
    assert len(stream) == length
    assert b"/BaseFont /STSong-Light" in data and b"/Encoding /UniGB-UCS2-H" in data


def test_pdf_is_well_formed_and_carries_the_body_doc_no(world):
    portal, named, site = world
    a = named["jh-fgw"]["repealed"]  # metadata 文号 ≠ body 文号: the file follows the body
    doc = named["jh-fgw"]["doc"]
    result = fetch(site, urls.attachment_url(portal, doc, doc.attachments[0]))
    assert result.status == 200 and result.content_type == "application/pdf"
    check_pdf_structure(result.body)
    text = pdf_text(result.body)
    assert doc.title[:30] in text and doc.body_doc_no in text
    standalone = pdf_bytes([a.title, a.body_doc_no, "第一条　测试"])
    check_pdf_structure(standalone)
    assert a.body_doc_no in pdf_text(standalone)


def test_pdf_opens_in_pypdf_when_installed(world):
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed here")
    portal, named, site = world
    doc = named["jh-fgw"]["doc"]
    data = fetch(site, urls.attachment_url(portal, doc, doc.attachments[0])).body
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1


def test_docx_is_a_valid_wordprocessingml_zip(world):
    portal, named, site = world
    doc = named["jh-fgw"]["doc"]
    result = fetch(site, urls.attachment_url(portal, doc, doc.attachments[1]))
    assert result.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    with zipfile.ZipFile(io.BytesIO(result.body)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= set(names)
        assert {info.date_time for info in zf.infolist()} == {(2020, 1, 1, 0, 0, 0)}
        types = etree.fromstring(zf.read("[Content_Types].xml"))
        assert "/word/document.xml" in [o.get("PartName") for o in types]
        document = etree.fromstring(zf.read("word/document.xml"))
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    texts = document.xpath("//w:t/text()", namespaces=ns)
    assert texts[0] == doc.title
    assert doc.body_doc_no in texts
    assert docx_bytes("标题", ["甲"]) == docx_bytes("标题", ["甲"])


def test_png_chunks_crc_and_pixels(world):
    portal, named, site = world
    graphic = portal.index.article[named["jh-fgw"]["interps"][1]]
    result = fetch(site, urls.attachment_url(portal, graphic, graphic.attachments[0]))
    assert result.content_type == "image/png"
    data = result.body
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind] = body
        pos += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)
    pil = pytest.importorskip("PIL.Image")
    image = pil.open(io.BytesIO(data))
    image.load()
    assert image.size == (width, height)
    assert png_bytes(5) != png_bytes(6)  # each picture its own


def test_mp4_boxes_add_up():
    data = mp4_bytes(seconds=75)
    pos, kinds = 0, []
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        assert size >= 8
        kinds.append(kind)
        if kind == b"moov":
            mvhd = data[pos + 8 : pos + size]
            assert mvhd[4:8] == b"mvhd"
            timescale, duration = struct.unpack(">II", mvhd[20:28])
            assert duration / timescale == 75
        pos += size
    assert pos == len(data)
    assert kinds == [b"ftyp", b"moov", b"mdat"]
    assert data[8:12] == b"isom"


def test_served_files_types_broken_and_cached_bytes(world):
    portal, named, site = world
    d = named["jh-hs"]
    video = portal.index.article[d["interps"][2]]
    url = urls.attachment_url(portal, video, video.attachments[0])
    first = fetch(site, url)
    assert first.content_type == "video/mp4" and first.last_modified == video.published
    assert fetch(site, url).body == first.body == fetch(Site(small_portal()[0]), url).body
    broken = d["withlinks"]
    assert fetch(site, urls.attachment_url(portal, broken, broken.attachments[0])).status == 404
