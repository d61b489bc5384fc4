"""Channels and delivery states of the outbox, as the sandbox page shows them."""
from flask_babel import lazy_gettext as _l

CHANNEL_LABELS = {"sms": _l("SMS"), "email": _l("E-mail")}
STATUS_LABELS = {"queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"),
                 "failed": _l("Failed"), "unknown": _l("Unknown: not sent again")}
STATUS_TONES = {"queued": "warn", "sending": "warn", "sent": "ok", "failed": "danger", "unknown": "danger"}
