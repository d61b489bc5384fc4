"""Safe `next` targets: only paths on this site survive."""
from urllib.parse import urlsplit


def is_safe_next(target: str | None) -> bool:
    """A local absolute path: no scheme, no host, no `//` or `\\` tricks, no control characters.

    Browsers drop tabs and newlines and read `\\` as `/`, so `/\\t/evil.example` would
    become `//evil.example`; any such character refuses the target outright.
    """
    if not target or len(target) > 2048:
        return False
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    return target if is_safe_next(target) else fallback
