"""The Russian and Kazakh catalogues: complete, placeholder-safe, and what the pages show."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.auth.roles import Role

CATALOGUES = Path(__file__).resolve().parent.parent / "app" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{[^}]*\}")


def messages(language: str) -> list:
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return [message for message in read_po(po, locale=language) if message.id]


def forms(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_message_is_translated_with_its_placeholders(language):
    catalogue = messages(language)
    assert catalogue
    for message in catalogue:
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        assert not message.fuzzy, message.id
        for text in forms(message):
            assert text, message.id
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), message.id


def test_catalogues_hold_the_same_messages():
    ids = {language: {message.id for message in messages(language)} for language in ("ru", "kk", "en")}
    assert ids["ru"] == ids["kk"] == ids["en"]


@pytest.mark.parametrize("language, home, logout", [
    ("ru", "Главная", "Выйти"),
    ("kk", "Басты бет", "Шығу"),
    ("en", "Home", "Log out"),
])
def test_pages_are_shown_in_the_chosen_language(client, login_as, language, home, logout):
    login_as(Role.EXCHANGE_STAFF)
    client.post("/language", data={"lang": language})
    page = client.get("/home").text
    assert f'<html lang="{language}">' in page
    assert home in page and logout in page


def test_russian_is_the_default(client):
    page = client.get("/login").text
    assert '<html lang="ru">' in page
    assert "Войти" in page


def test_logging_out_keeps_the_users_language(client, login_as):
    login_as(Role.PARTICIPANT)
    client.post("/language", data={"lang": "kk"})
    page = client.post("/logout", follow_redirects=True).text
    assert '<html lang="kk">' in page
    assert "Сіз жүйеден шықтыңыз." in page
