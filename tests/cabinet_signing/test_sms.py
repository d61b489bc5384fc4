"""Signing with an SMS code: six digits, 5 minutes, three tries, one resend a minute, ten an hour."""
import pytest
from sqlalchemy import select

from app.auth.roles import Role
from app.cabinet.signing import services
from app.cabinet.signing.models import CodeStatus, DocumentStatus, OneTimeCode
from app.clock.services import now
from app.extensions import db
from app.refusals import Refusal
from tests.cabinet_signing.conftest import KIND, PHONE, SUMMARY, last_sms_code, sent_messages


def page(client, document) -> str:
    return client.get(f"/cabinet/sign/{document.id}").get_data(as_text=True)


def send(client, document):
    return client.post(f"/cabinet/sign/{document.id}/code", follow_redirects=True)


def confirm(client, document, code: str):
    return client.post(f"/cabinet/sign/{document.id}/confirm", data={"code": code}, follow_redirects=True)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def codes(document) -> list[OneTimeCode]:
    db.session.expire_all()
    return list(db.session.scalars(select(OneTimeCode).where(OneTimeCode.document_id == document.id)
                                   .order_by(OneTimeCode.id)))


def test_page_shows_what_is_signed_and_the_ways_to_sign(client, document):
    html = page(client, document)
    assert SUMMARY in html and document.document_sha256 in html and "Quantity" in html
    for testid in ("send-code", "code-input", "confirm-code", "sign-eds", "sandbox-sign"):
        assert f'data-testid="{testid}"' in html
    assert "js/sign.js" in html and "<script>" not in html


def test_code_by_sms_signs_the_document_and_runs_its_handler_once(client, document, handled):
    response = send(client, document)
    assert "The code is sent by SMS" in response.get_data(as_text=True)
    message = sent_messages()[-1]
    assert message.recipient == PHONE and message.body.startswith(SUMMARY + ", code ")
    response = confirm(client, document, last_sms_code())
    assert "Signed with the SMS code." in response.get_data(as_text=True)
    db.session.refresh(document)
    assert (document.status, document.method, document.signed_at) == (DocumentStatus.SIGNED, "sms", now())
    assert [code.status for code in codes(document)] == [CodeStatus.USED]
    assert handled == [document.id]
    html = page(client, document)
    assert 'data-testid="signing-result"' in html and 'href="/home"' in html and 'data-testid="send-code"' not in html


def test_three_wrong_tries_void_the_code(client, document, handled):
    send(client, document)
    code = last_sms_code()
    assert "Wrong code, 2 tries left" in confirm(client, document, wrong(code)).get_data(as_text=True)
    assert "Wrong code, 1 try left" in confirm(client, document, wrong(code)).get_data(as_text=True)
    third = confirm(client, document, wrong(code)).get_data(as_text=True)
    assert "The code is void after three wrong tries; ask for a new one" in third
    assert "The code is void" in confirm(client, document, code).get_data(as_text=True)
    assert [(row.status, row.attempts) for row in codes(document)] == [(CodeStatus.VOIDED, 3)]
    db.session.refresh(document)
    assert document.status == DocumentStatus.ISSUED and handled == []


def test_a_code_expires_after_5_minutes(client, document, clock):
    send(client, document)
    code = last_sms_code()
    clock.move(minutes=5)
    assert "The code has expired; ask for a new one" in confirm(client, document, code).get_data(as_text=True)
    assert codes(document)[0].status == CodeStatus.EXPIRED


def test_a_new_code_not_sooner_than_a_minute_and_it_supersedes_the_old_one(client, document, clock):
    send(client, document)
    first = last_sms_code()
    clock.move(seconds=20)
    assert "You can ask for a new code in 40 seconds" in send(client, document).get_data(as_text=True)
    assert len(sent_messages()) == 1
    clock.move(seconds=40)
    send(client, document)
    assert [row.status for row in codes(document)] == [CodeStatus.SUPERSEDED, CodeStatus.ACTIVE]
    second = last_sms_code()
    if first != second:
        assert "Wrong code" in confirm(client, document, first).get_data(as_text=True)
    confirm(client, document, second)
    db.session.refresh(document)
    assert document.status == DocumentStatus.SIGNED


def test_at_most_ten_codes_an_hour_for_one_signer(app, issue, signer, clock):
    documents = [issue(signer) for _ in range(2)]
    for n in range(10):
        services.send_code(db.session, documents[n % 2], PHONE, now())
        db.session.commit()
        clock.move(seconds=31)
    with pytest.raises(services.SigningError) as refused:
        services.send_code(db.session, documents[0], PHONE, now())
    assert refused.value.code == "too_many_codes"
    db.session.rollback()
    clock.move(hours=1)
    services.send_code(db.session, issue(signer), PHONE, now())


def test_the_code_is_never_stored_in_clear(client, document):
    send(client, document)
    code = last_sms_code()
    outbox = sent_messages()[-1].__table__.name
    found = []
    for table in db.metadata.sorted_tables:
        if table.name == outbox:  # the SMS itself, on its way to the phone
            continue
        for row in db.session.execute(select(table)):
            if any(code in repr(value) for value in row):
                found.append(table.name)
    assert found == []
    assert codes(document)[0].code_hash == services.code_hash(document, code) != code


def test_a_document_expires_after_15_minutes(client, document, clock):
    clock.move(minutes=15)
    assert "The document has expired; start again" in send(client, document).get_data(as_text=True)
    db.session.refresh(document)
    assert document.status == DocumentStatus.EXPIRED
    assert 'data-testid="signing-result"' in page(client, document)


def test_a_signed_document_is_not_signed_again(client, document):
    send(client, document)
    confirm(client, document, last_sms_code())
    for action in ("code", "sandbox"):
        html = client.post(f"/cabinet/sign/{document.id}/{action}", follow_redirects=True).get_data(as_text=True)
        assert "already signed" in html
    db.session.refresh(document)
    assert document.method == "sms"


def test_a_refusing_handler_rolls_the_signature_back(client, document, monkeypatch):
    def refuse(session, signed):
        raise Refusal("Not enough money on the account.", code="insufficient_funds")

    monkeypatch.setitem(services.KIND_HANDLERS, KIND, refuse)
    send(client, document)
    assert "Not enough money on the account." in confirm(client, document, last_sms_code()).get_data(as_text=True)
    db.session.refresh(document)
    assert document.status == DocumentStatus.ISSUED and codes(document)[0].status == CodeStatus.ACTIVE


@pytest.mark.parametrize("junk", ["9" * 60, "a\x00b", "x" * 2000, "", "12345", "1234567", "12345\n", "١٢٣٤٥٦"])
def test_junk_codes_are_refused_without_a_try(client, document, junk):
    send(client, document)
    response = client.post(f"/cabinet/sign/{document.id}/confirm", data={"code": junk})
    assert response.status_code in (302, 400)
    assert codes(document)[0].attempts == 0


def test_codes_go_only_to_the_number_on_file(app, issue, login_as, clock, client):
    stranger = login_as(Role.CLIENT)
    stranger.locale = "en"
    db.session.commit()
    document = issue(stranger)
    assert "No mobile number is on file for you" in send(client, document).get_data(as_text=True)
    assert sent_messages() == [] and codes(document) == []
