"""The states of a file the worker builds (registers), as their users read them."""
from flask_babel import lazy_gettext as _l

FILE_STATUS_LABELS = {"queued": _l("Queued"), "running": _l("Building"), "done": _l("Ready"), "failed": _l("Failed")}
