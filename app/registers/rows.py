"""The subscription bids registers (SPEC §3 items 8–9) as plain values, and the rule every
register file obeys: it appears under its final name only when complete.

The accepted bids register has one RegisterRow per accepted bid; the satisfied bids register
is the same rows with satisfied_price / satisfied_quantity filled in.
"""
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, NamedTuple

ACCEPTED = "accepted"
SATISFIED = "satisfied"
REGISTER_KINDS = (ACCEPTED, SATISFIED)
# How often a writer reports progress, in rows.
PROGRESS_EVERY = 10_000
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class RegisterHeader:
    register_kind: str  # ACCEPTED | SATISFIED
    offering_number: str
    security_isin: str
    security_name: str
    seller_name: str
    seller_bin: str
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str  # "KZT"
    generated_at: datetime  # aware
    bid_count: int


@dataclass(frozen=True, slots=True)
class RegisterRow:
    bid_number: int
    participant_name: str
    participant_bin: str
    investor_iin_bin: str  # 12 digits
    investor_name: str
    investor_category: str
    qualified: bool
    kind: str  # "limit" | "market"
    price: Decimal | None  # 4 decimals; None for a market bid
    quantity: int
    amount: Decimal  # 2 decimals, tenge
    submitted_at: datetime  # aware
    settlement_code: str  # T0 | Y0 | Z0 | B0
    satisfied_price: Decimal | None = None  # satisfied register only
    satisfied_quantity: int | None = None  # satisfied register only


class Text:
    """A lazily translated message that a template escapes like any text. flask-babel's
    LazyString declares itself safe HTML (__html__), and these messages may quote an
    uploaded file's content."""

    __slots__ = ("lazy",)

    def __init__(self, lazy):
        self.lazy = lazy

    def __str__(self) -> str:
        return str(self.lazy)

    def __repr__(self) -> str:
        return f"Text({str(self.lazy)!r})"

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class WrittenRegister(NamedTuple):
    sha256: str  # hex digest of the file's bytes
    row_count: int


class RowCountMismatch(ValueError):
    """The rows written differ from header.bid_count; the file is not kept."""


def check_row_count(header: RegisterHeader, written: int) -> None:
    if written != header.bid_count:
        raise RowCountMismatch(f"header says {header.bid_count} bids, {written} rows were written")


def check_kind(header: RegisterHeader) -> None:
    if header.register_kind not in REGISTER_KINDS:
        raise ValueError(f"unknown register kind {header.register_kind!r}")


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class HashingWriter:
    """A write-only binary stream that hashes and counts what passes through it."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


@contextmanager
def staged_file(target: str | os.PathLike | BinaryIO) -> Iterator[Path]:
    """A temporary path to write; on success it becomes `target`, on any error it is removed.

    A path target: the temporary file lies beside it (same filesystem) and is renamed into
    place, so the final name never shows a half-written file. A binary file object: the
    finished file is copied into it."""
    directory = Path(os.fspath(target)).resolve().parent if _is_path(target) else None
    fd, name = tempfile.mkstemp(dir=directory, prefix=".register-", suffix=".part")
    os.close(fd)
    staged = Path(name)
    try:
        yield staged
        if _is_path(target):
            _sync(staged)
            os.replace(staged, target)
        else:
            with open(staged, "rb") as source:
                shutil.copyfileobj(source, target, COPY_CHUNK)
    finally:
        staged.unlink(missing_ok=True)


def _is_path(target) -> bool:
    return isinstance(target, (str, os.PathLike))


def _sync(path: Path) -> None:
    """Data on disk before the rename makes it visible (a crash leaves old or new, not half)."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
