"""Configuration: defaults, then the environment, then a test mapping.

Every setting is listed in the README's configuration table.
"""
import os
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from flask import Flask

PRODUCTION = "production"
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration would run the desk unsafely; the message says what to fix."""


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _paths(name: str) -> list[str]:
    """A comma-separated list of paths; empty when unset."""
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def defaults(instance_path: str) -> dict:
    environment = os.environ.get("DESK_ENV", "development")
    return {
        "DESK_ENV": environment,
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'auction_desk.sqlite3'}"
        ),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SANDBOX_CLOCK": _flag("SANDBOX_CLOCK"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", environment == PRODUCTION),
        "SESSION_COOKIE_NAME": "desk_session",
        # Absolute session lifetime; the idle limit is checked against the server-side record.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))),
        # A CSRF token must outlive a 3-hour bid window; it never outlives the session itself.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # Failed logins an hour: for one login from one address, and from one address in all
        # (an office behind one NAT address shares the second).
        "LOGIN_FAILURE_LIMIT": int(os.environ.get("LOGIN_FAILURE_LIMIT", "10")),
        "LOGIN_ADDRESS_FAILURE_LIMIT": int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "100")),
        "LOGIN_FAILURE_WINDOW": timedelta(hours=1),
        "PASSWORD_HASH_PROFILE": "rfc_9106_low_memory",
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": ("ru", "kk", "en"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        # Reverse proxies in front of gunicorn whose X-Forwarded-* headers are trusted.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", "0")),
        # Printed in the header of certificates and registers.
        "EXCHANGE_NAME": os.environ.get("EXCHANGE_NAME", "Demo Stock Exchange"),
        # Where SMS go: "outbox" keeps them on the desk (marked sent, read on /dev/outbox in the
        # sandbox); "http" posts them to the gateway below.
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", "outbox"),
        # The HTTP SMS gateway's address: a JSON POST of {"to", "text", "sender"} per message.
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
        # Its HTTP basic-auth login and password.
        "SMS_GATEWAY_LOGIN": os.environ.get("SMS_GATEWAY_LOGIN", ""),
        "SMS_GATEWAY_PASSWORD": os.environ.get("SMS_GATEWAY_PASSWORD", ""),
        # The sender name the phones show, as registered with the gateway.
        "SMS_GATEWAY_SENDER": os.environ.get("SMS_GATEWAY_SENDER", ""),
        # Where e-mail goes: "outbox" keeps it on the desk; "smtp" sends it to MAIL_SERVER.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "outbox"),
        # The SMTP server and its port.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        # Its login and password; no login when the username is empty.
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        # STARTTLS with a verified certificate before anything else; a server without it is refused.
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        # The desk's public address, for the links in e-mails the worker sends (outside any request).
        "DESK_URL": os.environ.get("DESK_URL", "http://127.0.0.1:5000"),
        # The From address of every e-mail.
        "MAIL_FROM": os.environ.get("MAIL_FROM", "desk@localhost"),
        # The secondary market's session in Almaty time when staff open a day without others.
        "MARKET_OPENS": os.environ.get("MARKET_OPENS", "11:30"),
        "MARKET_CLOSES": os.environ.get("MARKET_CLOSES", "17:00"),
        # When a broker's dealer takes client orders for the external venues, in Almaty time
        # (AIX trades 11:00–17:00 Astana; US markets 9:30–16:00 New York, past midnight here).
        "VENUE_HOURS": {"aix": (os.environ.get("AIX_OPENS", "11:00"), os.environ.get("AIX_CLOSES", "17:00")),
                        "international": (os.environ.get("INTERNATIONAL_OPENS", "19:30"),
                                          os.environ.get("INTERNATIONAL_CLOSES", "02:00"))},
        # A client's market buy on an external venue blocks its latest offer raised by this share.
        "EXTERNAL_MARKET_BUFFER": Decimal(os.environ.get("EXTERNAL_MARKET_BUFFER", "0.05")),
        # Margin lending: a valuation price older than this counts its instrument at a 100 % rate
        # (72 hours: Friday's close still values a holding on Monday).
        "MARGIN_PRICE_MAX_AGE_HOURS": int(os.environ.get("MARGIN_PRICE_MAX_AGE_HOURS", "72")),
        # The key and certificate registers are signed with; created on first use (key mode 0600).
        # Register files built for download (accepted bids registers); confidential.
        "REGISTER_DIR": os.environ.get("REGISTER_DIR", str(Path(instance_path) / "registers")),
        # Rows a register export reads per batch; each batch is a progress commit of the worker.
        "REGISTER_EXPORT_BATCH": int(os.environ.get("REGISTER_EXPORT_BATCH", "2000")),
        # A deal register PDF of more deals than this is built by the worker, not in the request.
        "DEAL_REGISTER_INLINE_DEALS": int(os.environ.get("DEAL_REGISTER_INLINE_DEALS", "1000")),
        "REGISTER_SIGNING_KEY": os.environ.get(
            "REGISTER_SIGNING_KEY", str(Path(instance_path) / "register_signing_key.pem")),
        "REGISTER_SIGNING_CERT": os.environ.get(
            "REGISTER_SIGNING_CERT", str(Path(instance_path) / "register_signing_cert.pem")),
        # Clients' EDS signatures: the certifying centres trusted (NCA root and intermediate
        # certificates, PEM) and their revocation lists; lists of paths, comma-separated here.
        "NCA_CA_FILES": _paths("NCA_CA_FILES"),
        "NCA_CRL_FILES": _paths("NCA_CRL_FILES"),
        # Optional: an NCANode server (its base URL, e.g. http://ncanode:14579) verifies clients'
        # EDS signatures instead of the built-in verifier and NCA_CA_FILES; empty = built-in.
        # The desk still checks itself that the signed content is the issued document and the IIN.
        "NCANODE_URL": os.environ.get("NCANODE_URL", "").strip(),
        # Seconds to wait for NCANode (per connection attempt and read) before "try again later".
        "NCANODE_TIMEOUT": float(os.environ.get("NCANODE_TIMEOUT", "10")),
        # Sandbox only: the test certifying centre and the clients' test keys of the sandbox signer.
        "SANDBOX_PKI_DIR": os.environ.get("SANDBOX_PKI_DIR", str(Path(instance_path) / "sandbox_pki")),
    }


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(defaults(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        # psycopg 3 is the driver we install.
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app)
    check_production(app.config)
    check_ncanode(app.config)


def check_production(config) -> None:
    """Production must run with a real secret and the real clock."""
    if config["DESK_ENV"] != PRODUCTION:
        return
    secret = os.environ.get("SECRET_KEY") or ""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"DESK_ENV=production needs SECRET_KEY of at least {MIN_SECRET_LENGTH} characters"
        )
    if config["SANDBOX_CLOCK"]:
        raise ConfigError("SANDBOX_CLOCK is refused when DESK_ENV=production")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("DESK_ENV=production needs DATABASE_URL pointing at PostgreSQL")


def check_ncanode(config) -> None:
    """Only an http(s) NCANode: urllib would also open file: and ftp: URLs."""
    url = config["NCANODE_URL"]
    if url and not url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"NCANODE_URL must be an http:// or https:// URL, not {url!r}")
    if not 0 < config["NCANODE_TIMEOUT"] <= 120:
        raise ConfigError("NCANODE_TIMEOUT must be between 0 and 120 seconds")


def _instance_secret(app: Flask) -> str:
    """Development only: generate a secret once and keep it in instance/ across restarts."""
    if app.config["DESK_ENV"] == PRODUCTION:
        return ""
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written aside and linked into place, so concurrent workers never read a half file.
        temporary = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()
