"""Stored bytes follow the database transaction: nothing is lost or left behind on rollback."""

import io
import logging

import pytest
from werkzeug.datastructures import FileStorage

from portal import storage
from portal.extensions import db
from portal.models import Attachment
from tests.support import uploads


def _save(name: str = "photo.png") -> Attachment:
    return storage.save_upload(
        FileStorage(stream=io.BytesIO(uploads.png()), filename=name),
        owner_type="test",
        owner_id=None,
        dealer_id=None,
        uploaded_by=None,
    )


def _kept(key: str) -> bool:
    try:
        storage.backend().load(key)
    except FileNotFoundError:
        return False
    return True


@pytest.fixture
def committed(app) -> Attachment:
    attachment = _save()
    db.session.commit()
    return attachment


def test_a_discard_rolled_back_keeps_the_bytes(committed):
    key = committed.storage_key
    storage.discard(committed)
    db.session.flush()
    db.session.rollback()
    attachment = db.session.get(Attachment, committed.id)
    assert attachment is not None
    assert storage.load(attachment) == storage.backend().load(key)


def test_a_discard_committed_removes_the_bytes(committed):
    key = committed.storage_key
    storage.discard(committed)
    assert _kept(key)  # nothing is deleted before the commit
    db.session.commit()
    assert not _kept(key)


def test_bytes_stored_in_a_transaction_rolled_back_are_removed(app):
    key = _save().storage_key
    assert _kept(key)
    db.session.rollback()
    assert not _kept(key)


def test_bytes_stored_in_a_transaction_committed_stay(app):
    key = _save().storage_key
    db.session.commit()
    assert _kept(key)


def test_a_closed_session_counts_as_a_rollback(app):
    key = _save().storage_key
    db.session.remove()
    assert not _kept(key)


def test_a_discard_in_a_savepoint_rolled_back_keeps_the_bytes(committed):
    key = committed.storage_key
    savepoint = db.session.begin_nested()
    storage.discard(committed)
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert _kept(key)


def test_a_discard_in_a_savepoint_released_waits_for_the_real_commit(committed):
    key = committed.storage_key
    with db.session.begin_nested():
        storage.discard(committed)
    assert _kept(key)
    db.session.commit()
    assert not _kept(key)


def test_bytes_stored_in_a_savepoint_rolled_back_go_with_it(app):
    kept = _save("kept.png").storage_key
    savepoint = db.session.begin_nested()
    dropped = _save("dropped.png").storage_key
    savepoint.rollback()
    assert not _kept(dropped)
    db.session.commit()
    assert _kept(kept)


def test_bytes_stored_in_a_savepoint_released_go_if_the_transaction_rolls_back(app):
    with db.session.begin_nested():
        key = _save().storage_key
    db.session.rollback()
    assert not _kept(key)


def test_a_failed_deletion_after_commit_is_logged_not_raised(committed, monkeypatch, caplog):
    def broken(key: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(storage.backend(), "delete", broken)
    storage.discard(committed)
    with caplog.at_level(logging.ERROR, logger="portal.storage"):
        db.session.commit()
    assert db.session.get(Attachment, committed.id) is None
    assert "could not delete stored file" in caplog.text
