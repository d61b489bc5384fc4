"""`flask demo seed`: the demo organisations and users, one printed line per user."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import services
from app.demo.auctions import seed_auctions
from app.demo.banks import seed_banks
from app.demo.brokerage import seed_brokerage
from app.demo.margin import seed_margin
from app.demo.margin_categories import seed_margin_categories
from app.demo.market import seed_market
from app.demo.subscriptions import seed_subscriptions
from app.demo.venues import seed_venues
from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind as Kind
from app.auth.roles import Role
from app.clock.services import now, wall_now
from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")

# name, kind, BIN, primary dealer, parent (by name)
ORGANISATIONS = (
    ("АО «Казахстанская фондовая биржа»", Kind.EXCHANGE, "931240000220", False, None),
    ("Министерство финансов Республики Казахстан", Kind.MINFIN, "020340003126", False, None),
    ("АО «Астана Капитал»", Kind.MEMBER_FIRM, "990140000311", True, None),
    ("АО «Дала Инвест»", Kind.MEMBER_FIRM, "041040000412", True, None),
    ("АО «Сарыарқа Секьюритиз»", Kind.MEMBER_FIRM, "080940000513", True, None),
    ("АО «Алатау Брокер»", Kind.MEMBER_FIRM, "110540000614", False, None),
    ("ТОО «Шымкент Трейд»", Kind.MEMBER_FIRM, "150740000715", False, None),
    ("АО «ҚазЭнергоТранзит»", Kind.ISSUER, "970340000816", False, None),
    ("АО «Центральный депозитарий — кастоди»", Kind.CUSTODIAN, "980640000917", False, None),
    ("Сатпаев Ержан Болатович", Kind.CLIENT, "850312300121", False, "АО «Алатау Брокер»"),
)

# role, login, full name, organisation
USERS = (
    (Role.EXCHANGE_STAFF, "staff", "Айгерим Нурланова", "АО «Казахстанская фондовая биржа»"),
    (Role.ADMIN, "admin", "Тимур Ахметов", "АО «Казахстанская фондовая биржа»"),
    (Role.MINFIN, "minfin", "Дана Жумабекова", "Министерство финансов Республики Казахстан"),
    (Role.PRIMARY_DEALER, "dealer1", "Арман Касымов", "АО «Астана Капитал»"),
    (Role.PRIMARY_DEALER, "dealer2", "Мадина Омарова", "АО «Дала Инвест»"),
    (Role.PRIMARY_DEALER, "dealer3", "Ерлан Сейткали", "АО «Сарыарқа Секьюритиз»"),
    (Role.PARTICIPANT, "broker1", "Жанар Абенова", "АО «Алатау Брокер»"),
    (Role.PARTICIPANT, "broker2", "Руслан Ким", "ТОО «Шымкент Трейд»"),
    (Role.ISSUER, "issuer", "Асель Бекова", "АО «ҚазЭнергоТранзит»"),
    (Role.COLLATERAL_CONTROLLER, "custodian", "Нуржан Исаев", "АО «Центральный депозитарий — кастоди»"),
    (Role.CLIENT, "client", "Ержан Сатпаев", "Сатпаев Ержан Болатович"),
    (Role.BROKER_OFFICE, "backoffice", "Гульнара Тлеубаева", "АО «Алатау Брокер»"),
    (Role.BROKER_RISK, "risk", "Бауыржан Мусин", "АО «Алатау Брокер»"),
)


def demo_password(login: str) -> str:
    return f"Demo-{login}-2026"


def seed_demo(session) -> list[tuple[str, str, str]]:
    """Create what is missing; existing rows are left as they are. Returns (role, login, password)."""
    now = wall_now()
    orgs: dict[str, Organisation] = {}
    for name, kind, bin_, dealer, parent in ORGANISATIONS:
        org = session.scalar(select(Organisation).where(Organisation.name == name))
        orgs[name] = org or services.create_organisation(
            session, name, kind, now, bin=bin_, is_primary_dealer=dealer, parent=orgs.get(parent)
        )
    lines = []
    for role, login, full_name, org_name in USERS:
        if session.scalar(select(User.id).where(User.login == login)) is None:
            services.create_user(session, login, full_name, role, orgs[org_name], demo_password(login), now)
        lines.append((str(role), login, demo_password(login)))
    return lines


@demo_cli.command("seed")
def seed():
    """Create the demo organisations and users and print `<role> <login> <password>` per user."""
    lines = seed_demo(db.session)
    seed_brokerage(db.session, wall_now())
    seed_banks(db.session, wall_now())
    seed_auctions(db.session, wall_now())
    seed_subscriptions(db.session, wall_now())
    db.session.commit()
    market = seed_market(db.session, wall_now())
    db.session.commit()
    # After the market: the client's list takes one of its shares too.
    seed_venues(db.session, wall_now())
    db.session.commit()
    # After the venues: the rates name their instruments. From the business clock's now.
    seed_margin(db.session, now())
    seed_margin_categories(db.session, now())
    db.session.commit()
    for role, login, password in lines:
        click.echo(f"{role} {login} {password}")
    if market:
        click.echo(market)
