"""The sandbox outbox page: sandbox only, login required, a user's own messages, staff all."""
from app.auth.roles import Role
from app.extensions import db
from app.messaging import services


def queue_for(user_id: int | None, text: str) -> None:
    services.send_sms(db.session, "+77011234567", text, purpose="signing_code", user_id=user_id)
    db.session.commit()


def rows(page: str) -> int:
    return page.count('data-testid="outbox-message"')


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/dev/outbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_page_does_not_exist_without_the_sandbox(app, client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    assert client.get("/dev/outbox").status_code == 200
    app.config["SANDBOX_CLOCK"] = False
    assert client.get("/dev/outbox").status_code == 404


def test_a_user_reads_only_their_own_messages(client, login_as, make_user):
    me, other = login_as(Role.CLIENT), make_user(Role.CLIENT)
    client.post("/language", data={"lang": "en"})
    queue_for(me.id, "mine <b>111111</b>")
    queue_for(other.id, "theirs 222222")
    queue_for(None, "nobody's 333333")
    page = client.get("/dev/outbox").text
    assert rows(page) == 1
    assert "mine &lt;b&gt;111111&lt;/b&gt;" in page
    assert "222222" not in page and "333333" not in page
    assert "Nothing here left the desk unless a gateway is configured" in page


def test_staff_read_every_message_newest_first(client, login_as, make_user):
    dealer = make_user(Role.PRIMARY_DEALER)
    for number, user_id in enumerate((dealer.id, None, dealer.id)):
        queue_for(user_id, f"message {number}")
    login_as(Role.EXCHANGE_STAFF)
    page = client.get("/dev/outbox").text
    assert rows(page) == 3
    assert page.index("message 2") < page.index("message 1") < page.index("message 0")


def test_a_user_without_messages_is_told_so(client, login_as):
    login_as(Role.PARTICIPANT)
    client.post("/language", data={"lang": "en"})
    queue_for(None, "for staff eyes")
    page = client.get("/dev/outbox").text
    assert rows(page) == 0 and "No message yet." in page
