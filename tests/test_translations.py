"""Every user-facing string has a Chinese translation and the shipped catalog is current."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "portal" / "translations" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _msgid(message) -> str:
    return message if isinstance(message, str) else message[0]


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}
    found = extract_from_dir(str(ROOT / "portal"), method_map, keywords=keywords)
    return {_msgid(message) for _file, _line, message, _comments, _context in found}


@pytest.fixture(scope="module")
def po_catalog():
    with open(CATALOG / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_source_string_is_translated(source_messages, po_catalog):
    translated = {_msgid(m.id): m.string for m in po_catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages - translated.keys())
    assert not missing, f"{len(missing)} strings lack a zh_Hans translation: {missing[:20]}"


def test_translations_keep_their_placeholders(po_catalog):
    wrong = [
        m.id
        for m in po_catalog
        if m.id
        and m.string
        and isinstance(m.id, str)
        and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert not wrong


def test_compiled_catalog_matches_the_po_file(po_catalog):
    with open(CATALOG / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    expected = {_msgid(m.id): m.string for m in po_catalog if m.id and m.string and not m.fuzzy}
    shipped = {_msgid(m.id): m.string for m in compiled if m.id}
    assert shipped == expected, "run `pybabel compile -d portal/translations`"


def test_chinese_navigation_renders_for_a_chinese_user(client, auth):
    from portal.models import Role
    from tests.support.factories import make_user

    user = make_user(Role.ADMIN, locale="zh_Hans")
    auth.sign_in(user)
    page = client.get("/home").get_data(as_text=True)
    assert "首页" in page
    assert "经销商" in page
    assert 'lang="zh-Hans"' in page
