"""The programme's key terms reach translators with an explanation (supporter-language review,
EN-3): "offer" was translated as a shop's offer in two languages. The comments are written next to
the words in code and templates and extracted into the catalogue template with
``pybabel extract --add-comments=Translators:`` (``make translations-extract``)."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TEMPLATE = Path(__file__).resolve().parent.parent / "translations" / "messages.pot"
KEY_TERMS = (
    "Offer",
    "Offers",
    "My offers",
    "New offer",
    "Request",
    "Assignment",
    "Case log",
    "Stipends",
    "Supporter",
)


@pytest.fixture(scope="module")
def catalogue_template():
    with TEMPLATE.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("msgid", KEY_TERMS)
def test_key_term_carries_a_note_for_translators(catalogue_template, msgid):
    message = catalogue_template.get(msgid)
    assert message is not None, f"{msgid!r} is no longer in the catalogue"
    note = " ".join(message.auto_comments)
    assert len(note) > 40, f"{msgid!r} has no explanation for translators"


def test_the_extract_command_keeps_the_notes():
    makefile = (TEMPLATE.parent.parent / "Makefile").read_text()
    assert "--add-comments=Translators:" in makefile
