"""Issue 11 §5: every HTML form (each non-API route that takes POST), sent junk by every role —
huge numbers, NUL bytes, wrong types, empty and overlong values, with and without a valid CSRF
token. No answer may be a 5xx; without the token the answer is 400."""
import io
import re
from collections import Counter

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField
from werkzeug.routing.converters import AnyConverter, IntegerConverter
from wtforms import FileField

from tests.fuzz.conftest import ROLE_LOGINS

JUNK = (
    "9" * 60,  # far beyond any column
    str(2**63), str(-(2**63) - 1),
    "abc",  # a word where a number or a date goes
    "", " ",
    "x" * 2_000,  # beyond every column (the whole body stays in memory in the test client)
    "1e309", "NaN", "-Infinity", "0.0000000000000000000001",
    "2026-02-30", "99:99",
    "a\x00b",
    "<script>", "=1+1",
)
# Read by views straight from request.form, not through a WTForms form.
RAW_FIELDS = ("lang", "next", "short", "unsecured", "answer", "back")
REFUSED = {401, 403, 404, 405}
# Would end the session the rest of the walk needs.
SKIPPED_ENDPOINTS = {"auth.logout"}
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def form_fields() -> tuple[set[str], set[str]]:
    """Every field name of every WTForms form of the desk: (text fields, file fields)."""
    texts, files = set(RAW_FIELDS), set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for klass in form.__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, UnboundField):
                    (files if issubclass(value.field_class, FileField) else texts).add(name)
    return texts - {"csrf_token"}, files


def post_urls(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, URL) of every page route taking POST; URL ids point at demo rows, and once
    beyond any column's range."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            for number in (1, 2**63):
                values = {name: url_value(converter, number) for name, converter in rule._converters.items()}
                urls.append((rule.endpoint, app.url_for(rule.endpoint, **values)))
                if not rule.arguments:
                    break
    return sorted(set(urls))


def url_value(converter, number: int):
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return number if isinstance(converter, IntegerConverter) else str(number)


def log_in(client, login: str, password: str) -> str:
    """Logs in through the form, CSRF and all; returns the session's CSRF token."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return csrf_token(client.get("/home", follow_redirects=True).get_data(as_text=True))


def csrf_token(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


def junk_form(value: str, texts: set[str], files: set[str], token: str | None) -> dict:
    data = {name: value for name in texts}
    data.update({name: (io.BytesIO(value.encode()), "junk.xlsx") for name in files})
    if token is not None:
        data["csrf_token"] = token
    return data


@pytest.mark.parametrize("role", sorted(ROLE_LOGINS))
def test_every_form_takes_junk_as_role(desk, role):
    client = desk.app.test_client()
    token = log_in(client, *desk.logins[role])
    texts, files = form_fields()
    failures, statuses = [], Counter()

    def send(endpoint, url, data):
        try:
            status = client.post(url, data=data).status_code
        except Exception as error:  # the app raised: the client would have had a 500
            failures.append(f"{url} {sorted(data)[:3]}…: {type(error).__name__}: {error}"[:400])
            return None
        statuses[status] += 1
        if status >= 500:
            failures.append(f"{url}: {status}")
        return status

    for endpoint, url in post_urls(desk.app):
        status = send(endpoint, url, junk_form("1", texts, files, None))
        beyond_ids = str(2**63) in url  # such a URL routes nowhere, so no check is reached: 404
        if status is not None and status != (404 if beyond_ids else 400):
            failures.append(f"{url} without a CSRF token: {status}, not 400")
        for value in JUNK:
            # A role or a row the route refuses whatever the form says: the rest would be the same.
            if send(endpoint, url, junk_form(value, texts, files, token)) in REFUSED:
                break
    print(f"{role}: {sum(statuses.values())} posts, answers {sorted(statuses.items())}")
    assert not failures, "\n".join(failures)
