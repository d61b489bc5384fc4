"""The access vocabulary: organisation kinds, roles, and which kinds may hold which roles."""
from enum import StrEnum


class OrganisationKind(StrEnum):
    EXCHANGE = "exchange"
    MINFIN = "minfin"
    ISSUER = "issuer"
    MEMBER_FIRM = "member_firm"
    CUSTODIAN = "custodian"
    CLIENT = "client"


class Role(StrEnum):
    EXCHANGE_STAFF = "exchange_staff"
    MINFIN = "minfin"
    ISSUER = "issuer"
    PRIMARY_DEALER = "primary_dealer"
    PARTICIPANT = "participant"
    COLLATERAL_CONTROLLER = "collateral_controller"
    CLIENT = "client"
    BROKER_OFFICE = "broker_office"     # a member firm's back office: its clients and their ledger
    BROKER_RISK = "broker_risk"         # a member firm's risk staff: margin discount and FX rates
    ADMIN = "admin"


ROLE_ORGANISATION_KINDS: dict[Role, OrganisationKind] = {
    Role.EXCHANGE_STAFF: OrganisationKind.EXCHANGE,
    Role.ADMIN: OrganisationKind.EXCHANGE,
    Role.MINFIN: OrganisationKind.MINFIN,
    Role.ISSUER: OrganisationKind.ISSUER,
    Role.PRIMARY_DEALER: OrganisationKind.MEMBER_FIRM,
    Role.PARTICIPANT: OrganisationKind.MEMBER_FIRM,
    Role.COLLATERAL_CONTROLLER: OrganisationKind.CUSTODIAN,
    Role.CLIENT: OrganisationKind.CLIENT,
    Role.BROKER_OFFICE: OrganisationKind.MEMBER_FIRM,
    Role.BROKER_RISK: OrganisationKind.MEMBER_FIRM,
}

ALL_ROLES = frozenset(Role)
STAFF_ROLES = frozenset({Role.EXCHANGE_STAFF, Role.ADMIN})
