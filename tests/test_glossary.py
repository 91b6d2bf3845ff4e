"""The Chinese catalog says one thing one way: the terms of portal/translations/GLOSSARY.md.

A message whose English text names a glossary term must use that term's Chinese (or its short
form); no translation uses a term the glossary rules out (稽核 for an audit, 整改措施, ...).
Words with several meanings carry a message context, so each meaning reads right."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal import notifications
from portal.models import ActionStatus, DealerStatus, Role, StoreStatus
from tests.support.clients import signed_in_client
from tests.support.factories import make_user

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "portal" / "translations" / "GLOSSARY.md"
CATALOG = ROOT / "portal" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
# Placeholders and e-mail addresses are not words of the text.
NOT_WORDS = re.compile(r"%\(\w+\)[sd]|\{\w+\}|\S+@\S+")


@dataclass(frozen=True)
class Term:
    english: str
    chinese: str
    short: str
    avoid: tuple[str, ...]

    def pattern(self) -> re.Pattern[str]:
        """The term as a whole word, with its plural and -ed/-ing forms."""
        return re.compile(
            r"(?<![\w-])" + re.escape(self.english) + r"(?:s|es|d|ed|ing)?(?![\w-])", re.I
        )

    def used_in(self, translation: str) -> bool:
        return self.chinese in translation or bool(self.short and self.short in translation)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def read_glossary(text: str) -> list[Term]:
    """The rows of the first table (English | Chinese | Short form | Avoid | Usage)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if _cells(line)[:2] == ["English", "Chinese"])
    terms = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        english, chinese, short, avoid, _usage = _cells(line)
        split = tuple(word.strip() for word in avoid.split(",") if word.strip())
        terms.append(Term(english.lower(), chinese, short, split))
    return terms


@pytest.fixture(scope="module")
def terms() -> list[Term]:
    return read_glossary(GLOSSARY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def translations() -> list[tuple[str, list[str]]]:
    """(English text, Chinese forms) of every translated message in use."""
    with open(CATALOG, "rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        found.append((" ".join(ids), forms))
    return found


def _without_other_terms(text: str, term: Term, terms: list[Term]) -> str:
    """The English text without placeholders and without longer terms holding this one
    ("store report" is checked as itself, not as "report")."""
    text = NOT_WORDS.sub(" ", text)
    for other in terms:
        if other.english != term.english and term.english in other.english:
            text = re.sub(re.escape(other.english), " ", text, flags=re.I)
    return text


def test_the_glossary_lists_the_portal_vocabulary(terms):
    english = {term.english for term in terms}
    assert len(terms) >= 30
    assert {"audit", "corrective action", "dealer", "store", "notice", "sales plan"} <= english
    assert len(english) == len(terms), "a term is listed twice"
    assert all(term.chinese for term in terms)


def test_messages_use_the_glossary_terms(terms, translations):
    wrong = [
        (term.english, term.chinese, english, form)
        for term in terms
        for english, forms in translations
        if term.pattern().search(_without_other_terms(english, term, terms))
        for form in forms
        if not term.used_in(form)
    ]
    assert wrong == []


def test_no_translation_uses_an_avoided_term(terms, translations):
    avoided = {word: term.english for term in terms for word in term.avoid}
    assert "稽核" in avoided  # the menu once said 检查 where headings said 稽核
    wrong = [
        (avoided[word], word, english)
        for english, forms in translations
        for form in forms
        for word in avoided
        if word in form
    ]
    assert wrong == []


def test_the_check_catches_a_stray_term(terms):
    audit = next(term for term in terms if term.english == "audit")
    text = _without_other_terms("Audits of %(store)s", audit, terms)
    assert audit.pattern().search(text)
    assert not audit.used_in("%(store)s 的稽核")
    follow_up = _without_other_terms("Schedule a follow-up audit", audit, terms)
    assert not audit.pattern().search(follow_up)  # checked as "follow-up audit": 复查


@pytest.mark.parametrize(
    ("member", "chinese"),
    [
        (StoreStatus.OPEN, "营业中"),
        (StoreStatus.CLOSED, "已关店"),
        (ActionStatus.OPEN, "待处理"),
        (DealerStatus.ACTIVE, "合作中"),
    ],
)
def test_each_meaning_of_open_reads_right_in_chinese(app, member, chinese):
    with app.test_request_context(), force_locale("zh_Hans"):
        assert member.label == chinese


def test_the_inbox_button_opens_rather_than_says_open_for_business(app):
    user = make_user(Role.DEALER, locale="zh_Hans")
    notifications.notify_users(
        [user], "audit.completed", link="/audits/", store="S1", score="90.0", grade="A", actions=0
    )
    page = signed_in_client(app, user).get("/inbox/").get_data(as_text=True)
    assert ">打开<" in page
    assert "营业中" not in page


def test_a_column_of_row_buttons_is_not_called_corrective_actions(app):
    page = signed_in_client(app, make_user(Role.ADMIN, locale="zh_Hans")).get("/regions/")
    assert '<span class="visually-hidden">操作</span>' in page.get_data(as_text=True)
