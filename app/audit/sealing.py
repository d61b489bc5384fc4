"""Sealed terms in the audit trail: staff read the trail while a bid window is open, so a bid's
terms go in only as an HMAC under the desk's secret — provable later, unreadable now."""
import hashlib
import hmac
import json

from flask import current_app


def sealed(terms: list) -> str:
    """HMAC-SHA256 of the terms (JSON, in the given order) under SECRET_KEY."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, json.dumps(terms, ensure_ascii=False).encode(), hashlib.sha256).hexdigest()
