"""JSON API of the clock feature, under /api/v1/clock."""
from datetime import datetime

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, String

from app.api.fields import AwareDateTime
from app.auth.access import any_role
from app.clock.services import now, sandbox_enabled, sandbox_state, wall_now
from app.domain.calendar import ALMATY, almaty_date

bp = APIBlueprint("clock_api", __name__, url_prefix="/api/v1/clock", tag="Clock")
LOCAL = {"description": "The same instant as Almaty wall-clock time, without an offset.",
         "example": "2026-12-31T18:00:00"}


class ClockOut(Schema):
    business_now = AwareDateTime(metadata={"description": "The business clock every rule reads, in Almaty time."})
    business_now_utc = DateTime(metadata={"description": "The business clock in UTC."})
    business_now_local = String(metadata=LOCAL)
    business_date = Date(metadata={"description": "The business date in Almaty."})
    wall_now = AwareDateTime(metadata={"description": "Real time, in Almaty time."})
    wall_now_utc = DateTime(metadata={"description": "Real time in UTC."})
    wall_now_local = String(metadata=LOCAL)
    sandbox = Boolean(metadata={"description": "Sandbox mode is switched on for this desk (never in production)."})
    simulated = Boolean(metadata={"description": "A simulated time is set: the business clock is not real time."})
    frozen = Boolean(metadata={"description": "The simulated clock is stopped."})
    timezone = String(metadata={"description": "The exchange's time zone.", "example": "Asia/Almaty"})


def _local(instant: datetime) -> str:
    return instant.astimezone(ALMATY).replace(tzinfo=None).isoformat(timespec="seconds")


@bp.get("")
@any_role
@bp.output(ClockOut)
def clock():
    """The business clock and real time."""
    business, wall, state = now(), wall_now(), sandbox_state()
    return {
        "business_now": business, "business_now_utc": business, "business_now_local": _local(business),
        "business_date": almaty_date(business),
        "wall_now": wall, "wall_now_utc": wall, "wall_now_local": _local(wall),
        "sandbox": sandbox_enabled(), "simulated": state is not None, "frozen": bool(state and state.frozen),
        "timezone": ALMATY.key,
    }
