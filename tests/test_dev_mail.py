"""`make run` keeps e-mail on the developer's machine: the local mailbox is a real SMTP server
and the app's own e-mail channel delivers to it."""

import pytest

from supporters.jobs.work import deliver_due
from supporters.notify.service import notify_supporter
from supporters.ops.dev_mail import DevMailbox


@pytest.fixture
def mailbox(tmp_path):
    kept = []
    box = DevMailbox(tmp_path / "mail", announce=kept.append).start()
    box.kept = kept
    yield box
    box.stop()


def test_a_message_sent_by_the_app_is_kept_as_a_file(app, db, make_supporter, mailbox):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_USE_TLS=False,
        BASE_URL="http://127.0.0.1:5000",
    )
    lan = make_supporter(email="lan@example.jp")
    notify_supporter(lan, "offer_new", "/me/offers/1")
    db.session.commit()
    deliver_due()

    (kept,) = list((mailbox.folder).glob("*.eml"))
    text = kept.read_text(encoding="utf-8", errors="replace")
    assert "To: lan@example.jp" in text
    assert mailbox.kept and "lan@example.jp" in mailbox.kept[0]
    assert mailbox.environment()["MAIL_PORT"] == str(mailbox.port)
