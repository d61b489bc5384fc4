"""The text of each kind of notice (English source, lazy); `{name}` places come from its params."""
from flask_babel import lazy_gettext as _l

TEXTS = {
    "order_filled": _l("Your order is filled: {summary}"),
    "order_partially_filled": _l("Your order is partially filled: {summary}, {filled} of {lots} lots"),
    "order_expired": _l("Your order expired unfilled at the end of the day: {summary}"),
    "order_rejected": _l("Your order was rejected: {summary}. Reason: {reason}"),
    "withdrawal_approved": _l("Your withdrawal is approved and will be paid: {summary}"),
    "withdrawal_paid": _l("Your withdrawal is paid: {summary}"),
    "withdrawal_rejected": _l("Your withdrawal was rejected: {summary}. Reason: {reason}"),
    "margin_npr1": _l("Your collateral is below the initial margin (NPR1 below zero): portfolio value S {s}, "
                      "initial margin M0 {m0}, minimal margin Mx {mx}. Orders that add risk are refused until "
                      "you deposit money or securities or reduce your positions."),
    "margin_call": _l("Margin call: your collateral is below the minimal margin (NPR2 below zero): S {s}, "
                      "M0 {m0}, Mx {mx}. Deposit money or securities, or reduce your positions, by {deadline} "
                      "(Almaty time) so that NPR1 is at or above zero again. After that moment your broker may "
                      "cancel your open orders and close positions at market, the minimum needed, and may "
                      "suspend your orders until then."),
    "margin_call_met": _l("Your margin call is met: NPR1 is at or above zero again."),
    "margin_call_today": _l("Your broker demands that the margin call be met today: bring NPR1 back to zero or above by "
                            "{deadline} (Almaty time), or your broker closes positions at market."),
    "margin_close_out": _l("Forced close-out of your positions has begun ({ground}); NPR1 was {npr1}. Your open orders "
                           "are cancelled and your broker sells (or buys back) at market the minimum needed."),
    "margin_close_out_done": _l("The forced close-out is over: NPR1 is now {npr1}."),
    "margin_debt": _l("After the forced close-out you owe your broker {amount}: pay it by the end of {due}."),
    "order_cancelled_by_broker": _l("Your broker cancelled your order: {summary}. Reason: {reason}"),
    "category_granted": _l("You are now a special-risk client: your broker's special-risk discount rates "
                           "apply to your portfolio."),
    "category_refused": _l("Your broker refused your request for the special-risk category. Reason: {reason}"),
    "category_downgraded": _l("Your broker moved you back to the standard category: its discount rates apply "
                              "to your portfolio again. Reason: {reason}"),
}
SUBJECT = _l("A notice from your broker")


class _Params(dict):
    """A place the params lack stays visible instead of failing the whole text."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def notice_text(kind: str, params: dict[str, str]) -> str:
    """The notice in the current language (call inside `force_locale` for someone else's)."""
    template = TEXTS.get(kind)
    return str(template).format_map(_Params(params)) if template is not None else kind
