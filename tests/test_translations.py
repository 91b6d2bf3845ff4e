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
# The keywords of the README's `pybabel extract` command, plural and context forms included.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "N_": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_npgettext": ((1, "c"), 2, 3),
}
README_KEYWORDS = (
    "-k _l",
    "-k lazy_ngettext:1,2",
    "-k ngettext:1,2",
    "-k pgettext:1c,2",
    "-k lazy_pgettext:1c,2",
    "-k npgettext:1c,2,3",
    "-k lazy_npgettext:1c,2,3",
)


def _msgid(message) -> str:
    return message if isinstance(message, str) else message[0]


def _key(context: str | None, message) -> tuple[str | None, str | tuple[str, ...]]:
    """A message as the catalog keys it: its context and its id (a tuple for plurals)."""
    return context, message if isinstance(message, str) else tuple(message)


@pytest.fixture(scope="module")
def source_keys() -> set[tuple[str | None, str | tuple[str, ...]]]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = extract_from_dir(str(ROOT / "portal"), method_map, keywords=KEYWORDS)
    return {_key(context, message) for _file, _line, message, _comments, context in found}


@pytest.fixture(scope="module")
def source_messages(source_keys) -> set[str]:
    return {_msgid(message) for _context, message in source_keys}


@pytest.fixture(scope="module")
def po_catalog():
    with open(CATALOG / "messages.po", "rb") as handle:
        return read_po(handle)


def _forms(string):
    """A translation as comparable data: plural forms read from .po (tuple) and .mo (list) alike."""
    return string if isinstance(string, str) else tuple(string)


def _is_translated(message, num_plurals: int) -> bool:
    """A singular message has a string; a plural one has every one of the language's forms."""
    if message is None or message.fuzzy:
        return False
    if isinstance(message.id, str):
        return isinstance(message.string, str) and bool(message.string)
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return len(forms) == num_plurals and all(forms)


def test_every_source_string_is_translated(source_keys, po_catalog):
    catalog = {_key(m.context, m.id): m for m in po_catalog if m.id}
    missing = sorted(
        (str(message), context or "")
        for context, message in source_keys
        if not _is_translated(catalog.get((context, message)), po_catalog.num_plurals)
    )
    assert not missing, f"{len(missing)} strings lack a zh_Hans translation: {missing[:20]}"


def test_plural_and_context_messages_are_extracted(source_keys):
    plurals = {message for _context, message in source_keys if isinstance(message, tuple)}
    assert ("%(num)s action overdue", "%(num)s actions overdue") in plurals  # lazy_ngettext


def test_the_readme_extracts_with_the_same_keywords():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith("pybabel extract"))
    assert [k for k in README_KEYWORDS if k not in command] == []


def test_translations_keep_their_placeholders(po_catalog):
    """Each form keeps the placeholders of its msgid (of the plural msgid for plural forms)."""

    def same(source: str, translated: str) -> bool:
        return sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated))

    wrong = []
    for m in po_catalog:
        if not m.id or not m.string:
            continue
        if isinstance(m.id, str):
            ok = same(m.id, m.string)
        else:
            ok = all(not form or same(m.id[1], form) for form in m.string)
        if not ok:
            wrong.append(m.id)
    assert not wrong


def test_compiled_catalog_matches_the_po_file(po_catalog):
    with open(CATALOG / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    expected = {
        _key(m.context, m.id): _forms(m.string)
        for m in po_catalog
        if m.id and m.string and not m.fuzzy
    }
    shipped = {_key(m.context, m.id): _forms(m.string) for m in compiled if m.id}
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


def test_template_gettext_escapes_formats_and_follows_the_language(app):
    """`_()` in a template: the translation in the page's language (kept per catalogue, so
    one language's words never leak into another's page), escaped values, `%%` read as %."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = (
        "{{ _('Dealers') }}|{{ _('Sign out') }}|{{ _('100%% done') }}|"
        "{{ _('%(name)s here', name=who) }}"
    )
    with app.test_request_context("/"):
        for _round in range(2):  # the second round reads what the first kept
            with force_locale("en"):
                english = render_template_string(source, who="<b>")
            with force_locale("zh_Hans"):
                chinese = render_template_string(source, who="<b>")
            assert english == "Dealers|Sign out|100% done|&lt;b&gt; here"
            assert chinese.startswith("经销商|退出登录|100% done|")
            assert "&lt;b&gt;" in chinese
            assert "<b>" not in chinese
