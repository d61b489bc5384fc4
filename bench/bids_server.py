"""The desk as bench/bids.py serves it under gunicorn: `wsgi:app`, with `/bench/bare` answered in
front of it — no Flask, no login, no database — to give the machine's ceiling for one request.

    gunicorn --chdir <repository> bench.bids_server:app

Kept out of the app on purpose: the desk itself has no endpoint that skips login and database.
"""
from wsgi import app as desk

BARE_PATH = "/bench/bare"
BARE_BODY = b"ok\n"
BARE_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BARE_BODY)))]


def app(environ, start_response):
    if environ.get("PATH_INFO") == BARE_PATH:
        start_response("200 OK", BARE_HEADERS)
        return [BARE_BODY]
    return desk(environ, start_response)
