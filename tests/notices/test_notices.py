"""Notices: stored, e-mailed in the user's language, read one by one or all at once."""
from sqlalchemy import select

from app.auth.roles import Role
from app.clock.services import wall_now
from app.extensions import db
from app.messaging.models import OutboxMessage
from app.notices.services import notify, unread_count


def test_notify_mark_read_and_the_api(client, login_as, make_user):
    user = login_as(Role.CLIENT)
    user.email, user.locale = "c@example.kz", "en"
    notice = notify(db.session, user, "order_filled", {"summary": "Buy 10 KZTK"}, "/cabinet/", wall_now())
    notify(db.session, user, "order_rejected", {"summary": "Sell 1 KZTK", "reason": "no money"}, None, wall_now())
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert mail.recipient == "c@example.kz" and mail.body.startswith("Your order is filled: Buy 10 KZTK")
    page = client.get("/cabinet/notices/").get_data(as_text=True)
    assert "<strong>" in page and "Reason: no money" in page
    listed = client.get("/api/v1/cabinet/notices").get_json()
    assert listed["unread"] == 2 and listed["notices"][0]["text"].startswith("Your order was rejected")
    assert client.post(f"/api/v1/cabinet/notices/{notice.id}/read").status_code == 200
    assert unread_count(db.session, user) == 1
    assert client.post("/cabinet/notices/read-all").status_code == 302
    assert unread_count(db.session, user) == 0
    stranger = make_user(Role.CLIENT)
    other = notify(db.session, stranger, "order_filled", {"summary": "x"}, None, wall_now())
    db.session.commit()
    assert client.post(f"/cabinet/notices/{other.id}/read").status_code == 404
    assert client.post(f"/api/v1/cabinet/notices/{other.id}/read").status_code == 404
