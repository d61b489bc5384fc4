"""One transaction per request, ended at the edge.

Services only flush. A request that changes state (POST and the like) is committed here once,
after its view answered with a success or a redirect, and rolled back when it answered with an
error or raised. A read (GET, HEAD, OPTIONS) never writes: its transaction is always rolled
back, its session does not autoflush, and a flush of anything but the throttled touch of a
login session or an API token raises at once, so a read that tries to write fails in the tests
instead of writing quietly in production. What a read shows of a deadline that has passed
(an auction whose window ended a moment ago) is derived in memory and thrown away with the
transaction; the worker process makes it stored.
"""
from flask import Flask, g, has_request_context, request
from sqlalchemy import event

from app.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The only rows a read may write: the login session's and the API token's "last seen",
# at most once a minute (app.auth.services.SESSION_TOUCH_INTERVAL), and the session's expiry.
TOUCH_TABLES = frozenset({"user_sessions", "api_tokens"})


class WriteOnRead(RuntimeError):
    """A GET tried to change stored state."""


def register(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_end)
    app.teardown_request(_discard)
    event.listen(db.session, "before_flush", _refuse_writes_on_read)


def is_read() -> bool:
    return has_request_context() and request.method in READ_METHODS


def _serving_read() -> bool:
    """A read this app is dispatching (not a bare request context a script or test pushed)."""
    return is_read() and g.get("serving_read", False)


def commit_touch() -> None:
    """Commit the throttled session touch a read made: its only write, apart from its work."""
    if _serving_read() and db.session.info.pop("touch_flushed", False):
        db.session.commit()


def keep() -> None:
    """Commit this change's work even though it answers with an error (a failed login counts)."""
    g.keep_on_error = True


def _begin() -> None:
    if is_read():
        g.serving_read = True
        db.session.autoflush = False


def _end(response):
    if is_read() or (response.status_code >= 400 and not g.get("keep_on_error")):
        db.session.rollback()
    else:
        db.session.commit()
    return response


def _discard(_error=None) -> None:
    """Whatever the view left (it raised, or the edge did not run): thrown away."""
    db.session.rollback()
    db.session.info.pop("touch_flushed", None)
    db.session.autoflush = True


def _refuse_writes_on_read(session, _flush_context, _instances) -> None:
    if not _serving_read():
        return
    changed = list(session.new) + list(session.dirty) + list(session.deleted)
    tables = {getattr(type(row), "__tablename__", None) for row in changed if session.is_modified(row)
              or row in session.new or row in session.deleted}
    if not tables:
        return
    if tables <= TOUCH_TABLES:
        session.info["touch_flushed"] = True
        return
    raise WriteOnRead(f"{request.method} {request.path} tried to write {sorted(tables)}")
