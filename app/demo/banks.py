"""The banks of Kazakhstan a demo client may withdraw to, with their SWIFT BICs."""
from datetime import datetime

from sqlalchemy import select

from app.withdrawals.models import Bank
from app.withdrawals.services import add_bank

BANKS = (("Halyk Bank", "HSBKKZKX"), ("Kaspi Bank", "CASPKZKA"), ("ForteBank", "IRTYKZKA"),
         ("Bank CenterCredit", "KCJBKZKX"), ("Jusan Bank", "TSESKZKA"), ("Freedom Bank", "KSNVKZKA"),
         ("Bank RBK", "KINCKZKA"), ("Home Credit Bank", "INLMKZKA"), ("Eurasian Bank", "EURIKZKA"),
         ("Otbasy Bank", "HCSKKZKA"), ("Citibank Kazakhstan", "CITIKZKA"))


def seed_banks(session, now: datetime) -> None:
    """Adds the banks not yet listed (by BIC); the administrator's changes stay."""
    listed = set(session.scalars(select(Bank.bic)))
    for name, bic in BANKS:
        if bic not in listed:
            add_bank(session, name, bic, now)
