"""S14: uploaded PDFs are parsed (names decoded, object streams opened), not grepped:
JavaScript, actions beyond links and embedded files are refused however they are written."""

import io
import zlib

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from portal import storage
from tests.storage.test_bounded_uploads import _nothing_kept, _post_report
from tests.support import uploads


def name(escaped: str) -> NameObject:
    """A placeholder as long as `escaped` (e.g. /J#61vaScript), swapped in after writing:
    pypdf itself would never write a name with a #-escape that needs none."""
    return NameObject(escaped.replace("#", "Q"))


def written(writer: PdfWriter, *escaped: str) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    for original in escaped:
        placeholder = original.replace("#", "Q").encode()
        assert placeholder in data
        data = data.replace(placeholder, original.encode())  # same length: the xref holds
    return data


def js(code: str) -> DictionaryObject:
    """A JavaScript action, its names written /S /J#61vaScript /J#53 (/JS)."""
    return DictionaryObject(
        {NameObject("/S"): name("/J#61vaScript"), name("/J#53"): TextStringObject(code)}
    )


def one_page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    return writer


def open_action_with_escaped_javascript() -> bytes:
    writer = one_page()
    action = writer._add_object(js("app.alert(1)"))
    writer._root_object[NameObject("/OpenAction")] = action
    return written(writer, "/J#61vaScript", "/J#53")


def link_with_escaped_launch() -> bytes:
    writer = one_page()
    launch = DictionaryObject(
        {NameObject("/S"): name("/L#61unch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 2 + [NumberObject(50)] * 2),
            NameObject("/A"): launch,
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return written(writer, "/L#61unch")


def page_opening_action() -> bytes:
    writer = one_page()
    trigger = DictionaryObject({NameObject("/O"): writer._add_object(js("app.alert(2)"))})
    writer.pages[0][name("/A#41")] = trigger  # /AA: additional actions on the page
    return written(writer, "/A#41", "/J#61vaScript", "/J#53")


def embedded_file() -> bytes:
    writer = one_page()
    content = StreamObject()
    content.set_data(b"MZ not really a program")
    content[NameObject("/Type")] = name("/E#6dbeddedFile")
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("invoice.exe"),
            name("/E#46"): DictionaryObject({NameObject("/F"): writer._add_object(content)}),
        }
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("invoice.exe"), spec])}
    )
    names = DictionaryObject({name("/E#6dbeddedFiles"): writer._add_object(tree)})
    writer._root_object[NameObject("/Names")] = writer._add_object(names)
    return written(writer, "/E#6dbeddedFiles", "/E#46", "/E#6dbeddedFile")


def javascript_in_an_object_stream() -> bytes:
    """Object 3 (the document's JavaScript) exists only compressed in object stream 4:
    its bytes are nowhere in the file as written (PDF 1.5 cross-reference stream)."""
    hidden = b"<< /S /JavaScript /JS (app.alert(3)) >>"
    index = b"3 0 "
    packed = zlib.compress(index + hidden)
    parts = [b"%PDF-1.5\n"]
    offsets = {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = sum(len(part) for part in parts)
        parts.append(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    add(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>")
    add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")
    add(
        4,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(index), len(packed))
        + packed
        + b"\nendstream",
    )
    xref_at = sum(len(part) for part in parts)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for number in (1, 2):
        rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x02" + (4).to_bytes(4, "big") + b"\x00\x00")  # object 3: in stream 4, #0
    rows.append(b"\x01" + offsets[4].to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x01" + xref_at.to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    add(
        5,
        b"<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
        + table
        + b"\nendstream",
    )
    data = b"".join(parts) + b"startxref\n%d\n%%%%EOF\n" % xref_at
    assert b"JavaScript" not in data
    return data


HOSTILE = {
    "open action with /J#61vaScript": open_action_with_escaped_javascript,
    "link with /L#61unch": link_with_escaped_launch,
    "page additional action": page_opening_action,
    "embedded file": embedded_file,
    "javascript in an object stream": javascript_in_an_object_stream,
}


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_pdfs_are_refused(app, make):
    data = make()
    with pytest.raises(storage.UploadRejected, match="scripts or embedded files"):
        storage.clean(data, storage.IMAGES_AND_PDF)


def test_escaped_names_do_not_get_past_the_upload_form(app, client, auth, world):
    auth.sign_in(world.user_x)
    response = _post_report(client, world, [(link_with_escaped_launch(), "invoice.pdf")])
    assert response.status_code == 422
    assert "scripts or embedded files" in response.get_data(as_text=True)
    assert _nothing_kept(app)


def test_ordinary_pdfs_with_links_and_an_opening_page_are_kept(app):
    writer = one_page()
    writer.add_blank_page(200, 200)
    writer.add_uri(0, "https://example.com/terms", [0, 0, 50, 50])
    writer.add_outline_item(title="Page 2", page_number=1)
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    data = written(writer)
    assert storage.clean(data, storage.IMAGES_AND_PDF).data == data
    assert storage.clean(uploads.pdf(), storage.IMAGES_AND_PDF).content_type == "application/pdf"


def test_links_to_other_schemes_are_refused(app):
    writer = one_page()
    writer.add_uri(0, "javascript:alert(1)", [0, 0, 50, 50])
    with pytest.raises(storage.UploadRejected, match="scripts or embedded files"):
        storage.clean(written(writer), storage.IMAGES_AND_PDF)


def test_password_protected_and_broken_pdfs_are_refused(app):
    writer = one_page()
    writer.encrypt("secret", algorithm="AES-128")
    with pytest.raises(storage.UploadRejected, match="Password-protected"):
        storage.clean(written(writer), storage.IMAGES_AND_PDF)
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF\n"
    with pytest.raises(storage.UploadRejected, match="damaged"):
        storage.clean(broken, storage.IMAGES_AND_PDF)
