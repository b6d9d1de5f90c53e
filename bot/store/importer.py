"""CSV imports: portfolio (debtors and debts) and payments.

Each row is checked on its own: a bad row is reported with its line number and reason and
the good rows are kept. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.money import money
from bot.store.bulk import CHUNK, upsert_rows
from bot.store.portfolio import DebtorRecord, DebtRecord

PORTFOLIO_COLUMNS = (
    "debtor_ref",
    "name",
    "phone",
    "telegram_chat_id",
    "language",
    "document",
    "debt_ref",
    "description",
    "amount",
    "due_date",
)
OPTIONAL_PORTFOLIO_COLUMNS = ("segment", "state", "birth_date")  # read when present
PAYMENT_COLUMNS = ("debt_ref", "amount", "paid_at")
MAX_AMOUNT = Decimal("1e15")
# the columns' sizes (bot.store.tables): a longer value is a row error, not a failed file
MAX_LENGTH = {
    "debtor_ref": 64,
    "name": 200,
    "document": 32,
    "segment": 64,
    "debt_ref": 64,
    "description": 200,
    "telegram_chat_id": 64,
}
STATES = frozenset(
    {
        "AC",
        "AL",
        "AP",
        "AM",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MT",
        "MS",
        "MG",
        "PA",
        "PB",
        "PR",
        "PE",
        "PI",
        "RJ",
        "RN",
        "RS",
        "RO",
        "RR",
        "SC",
        "SP",
        "SE",
        "TO",
    }
)


# compiled once: the parsers run for every row of files of 100,000 rows
_AMOUNT_THOUSANDS_COMMA = re.compile(r"[1-9]\d{0,2}(,\d{3})+")
_AMOUNT_THOUSANDS_DOT = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NON_DIGITS = re.compile(r"\D")
_CHAT_ID = re.compile(r"-?\d{1,20}")
_CPF_WEIGHTS = {size: tuple(range(size + 1, 1, -1)) for size in (9, 10)}
CENT = Decimal("0.01")


class RowError(ValueError):
    """A row that cannot be imported; the message says why."""


@dataclass(frozen=True)
class PortfolioRow:
    line: int
    debtor: DebtorRecord
    debt: DebtRecord


@dataclass(frozen=True)
class PaymentRow:
    line: int
    debt_ref: str
    amount: Decimal
    paid_at: datetime


@dataclass
class ImportReport:
    rows: int = 0
    created_or_updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        lines = [
            f"{self.rows} rows: {self.created_or_updated} changed, {self.unchanged} unchanged, "
            f"{len(self.errors)} rejected"
        ]
        lines += [f"  line {line}: {reason}" for line, reason in self.errors]
        return "\n".join(lines)


# --- field parsing --------------------------------------------------------------------------


def parse_amount(text: str) -> Decimal:
    """'1234.56', '1.234,56', '1234,56', 'R$ 1.234,56', '1,234.56' -> Decimal('1234.56').

    With both separators the last one is the decimal point; a lone separator followed by
    groups of exactly three digits separates thousands.
    """
    raw = text.strip().replace("R$", "").replace(" ", "").replace("\u00a0", "")
    if not raw:
        raise RowError("amount is empty")
    if "," in raw and "." in raw:
        thousands, decimal = (".", ",") if raw.rfind(",") > raw.rfind(".") else (",", ".")
        raw = raw.replace(thousands, "").replace(decimal, ".")
    elif "," in raw:
        if raw.count(",") > 1 or _AMOUNT_THOUSANDS_COMMA.fullmatch(raw):
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".")
    elif raw.count(".") > 1 or _AMOUNT_THOUSANDS_DOT.fullmatch(raw):
        raw = raw.replace(".", "")
    if not _AMOUNT.fullmatch(raw):  # no '1e9', 'NaN' or 'Infinity'
        raise RowError(f"amount {text!r} is not a number")
    value = Decimal(raw)
    if value <= 0:
        raise RowError(f"amount {text!r} must be positive")
    if value >= MAX_AMOUNT:  # integer cents must fit the database's BIGINT
        raise RowError(f"amount {text!r} is too large")
    if value != value.quantize(CENT):
        raise RowError(f"amount {text!r} has more than two decimal places")
    return money(value)


def parse_date(text: str) -> date:
    """ISO (2026-11-10) or Brazilian (10/11/2026)."""
    raw = text.strip()
    try:
        if _ISO_DATE.fullmatch(raw):
            return date.fromisoformat(raw)
        match = _BR_DATE.fullmatch(raw)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        raise RowError(f"date {text!r} does not exist") from None
    raise RowError(f"date {text!r} is not YYYY-MM-DD or dd/mm/yyyy")


def parse_instant(text: str, tz: str) -> datetime:
    """An ISO instant; a bare date (ISO or dd/mm/yyyy) is noon of that day in ``tz``."""
    raw = text.strip()
    try:
        if _ISO_DATE.fullmatch(raw):
            raise ValueError("a date, not an instant")  # fromisoformat would say midnight
        value = datetime.fromisoformat(raw)
    except ValueError:
        return datetime.combine(parse_date(raw), time(12, 0), tzinfo=ZoneInfo(tz))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value


def normalise_phone(text: str) -> str:
    """A phone in E.164; Brazilian numbers without a country code get +55."""
    digits = _NON_DIGITS.sub("", text)
    if text.strip().startswith("+"):
        if not 8 <= len(digits) <= 15:
            raise RowError(f"phone {text!r} has {len(digits)} digits")
        return "+" + digits
    if len(digits) in (10, 11):
        return "+55" + digits
    if len(digits) in (12, 13) and digits.startswith("55"):
        return "+" + digits
    raise RowError(f"phone {text!r} is not a valid number (use +55 11 91234-5678)")


def parse_birth_date(text: str, today: date | None = None) -> date:
    """A birth date (ISO or dd/mm/yyyy) that could be real: after 1900, not after ``today``."""
    value = parse_date(text)
    if value.year < 1900 or (today is not None and value > today):
        raise RowError(f"birth_date {text!r} is not a plausible birth date")
    return value


def valid_cpf(text: str) -> bool:
    digits = [int(c) for c in _NON_DIGITS.sub("", text)]
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    for size, weights in _CPF_WEIGHTS.items():
        total = sum(map(operator.mul, digits, weights))
        check = (total * 10) % 11 % 10
        if check != digits[size]:
            return False
    return True


def decode_csv(data: bytes) -> str:
    """The text of a CSV file as spreadsheets save it: UTF-8 (with or without BOM), UTF-16
    (Excel's "Unicode text") or Windows-1252 (Excel's "CSV" on a Brazilian Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    head = data[:4000]
    if head and head.count(b"\x00") * 4 > len(head):  # UTF-16 without a BOM
        return data.decode("utf-16-le" if head[1:2] == b"\x00" else "utf-16-be")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """``;`` (Excel in pt-BR), tab or ``,``: whichever splits the header line most."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _rows(text: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: stripped value}) of every non-blank row, as ``csv.DictReader`` would
    give them (a repeated column keeps its last value, a short row lacks its last columns,
    extra values are dropped) at a fraction of its cost per row."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise RowError(f"line 1: missing columns: {', '.join(missing)}")
    unnamed = "" in header
    strip = str.strip
    for values in reader:
        if not values:  # a blank line
            continue
        record = dict(zip(header, map(strip, values), strict=False))
        if unnamed:
            record.pop("", None)
        yield reader.line_num, record


def read_portfolio(
    text: str, *, today: date | None = None
) -> tuple[list[PortfolioRow], list[tuple[int, str]]]:
    """The file's good rows and (line, reason) of the bad ones. ``birth_date`` is optional
    (older files import as before)."""
    rows: list[PortfolioRow] = []
    errors: list[tuple[int, str]] = []
    for item in iter_portfolio(text, today=today):
        if isinstance(item, PortfolioRow):
            rows.append(item)
        else:
            errors.append(item)
    return rows, errors


def iter_portfolio(
    text: str, *, today: date | None = None
) -> Iterator[PortfolioRow | tuple[int, str]]:
    """Each row of the file in order: a good row, or (line, reason) for a bad one. A file
    without the required columns raises ``RowError`` before the first row."""
    required = ("debtor_ref", "name", "debt_ref", "amount", "due_date")
    seen_debts: dict[str, int] = {}
    for line, rec in _rows(text, PORTFOLIO_COLUMNS):
        try:
            debt_ref = rec.get("debt_ref", "")
            if debt_ref and debt_ref in seen_debts:
                raise RowError(
                    f"debt_ref {debt_ref!r} already appears on line {seen_debts[debt_ref]}"
                )
            if debt_ref:
                seen_debts[debt_ref] = line
            for col in required:
                if not rec.get(col):
                    raise RowError(f"{col} is empty")
            for col, limit in MAX_LENGTH.items():
                if len(rec.get(col) or "") > limit:
                    raise RowError(f"{col} is longer than {limit} characters")
            state = (rec.get("state") or "").upper() or None
            if state is not None and state not in STATES:
                raise RowError(f"state {rec['state']!r} is not a Brazilian UF (SP, RJ, ...)")
            language = (rec.get("language") or "pt").lower()[:2]
            if language not in ("pt", "en"):
                raise RowError(f"language {rec['language']!r} is not pt or en")
            document = rec.get("document") or None
            if document and not valid_cpf(document):
                raise RowError(f"document {document!r} is not a valid CPF")
            birth_date = (
                parse_birth_date(rec["birth_date"], today) if rec.get("birth_date") else None
            )
            phone = normalise_phone(rec["phone"]) if rec.get("phone") else None
            chat = rec.get("telegram_chat_id") or None
            if chat and not _CHAT_ID.fullmatch(chat):
                raise RowError(f"telegram_chat_id {chat!r} is not a number")
            if not phone and not chat:
                raise RowError("no phone and no telegram_chat_id: the debtor cannot be reached")
            yield (
                PortfolioRow(
                    line=line,
                    debtor=DebtorRecord(
                        ref=rec["debtor_ref"],
                        name=rec["name"],
                        language=language,
                        document=document,
                        segment=rec.get("segment") or None,
                        birth_date=birth_date,
                        phone=phone,
                        telegram_chat_id=chat,
                        state=state,
                    ),
                    debt=DebtRecord(
                        ref=rec["debt_ref"],
                        description=rec.get("description") or "",
                        amount=parse_amount(rec["amount"]),
                        due=parse_date(rec["due_date"]),
                    ),
                )
            )
        except RowError as exc:
            yield (line, str(exc))


def read_payments(text: str, tz: str) -> tuple[list[PaymentRow], list[tuple[int, str]]]:
    rows: list[PaymentRow] = []
    errors: list[tuple[int, str]] = []
    for line, rec in _rows(text, PAYMENT_COLUMNS):
        try:
            for col in PAYMENT_COLUMNS:
                if not rec.get(col):
                    raise RowError(f"{col} is empty")
            rows.append(
                PaymentRow(
                    line=line,
                    debt_ref=rec["debt_ref"],
                    amount=parse_amount(rec["amount"]),
                    paid_at=parse_instant(rec["paid_at"], tz),
                )
            )
        except RowError as exc:
            errors.append((line, str(exc)))
    return rows, errors


# a payment above this many times the open balance is almost always a typo ("1.234,56" read
# as 123456, a wrong debt_ref): it is flagged and not applied
FAR_ABOVE_BALANCE = 2


def payment_flag(amount: Decimal, balance: Decimal) -> str | None:
    """Why a payment of ``amount`` on a debt with ``balance`` open must not be applied."""
    if amount > balance * FAR_ABOVE_BALANCE:
        return (
            f"amount {amount} is far above the open balance {balance}: not applied "
            "(check the amount and the debt_ref)"
        )
    return None


def import_portfolio(
    session: Session,
    text: str,
    now: datetime,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Upsert every good row (set-based, in chunks); report every bad one by line.

    The file is read a chunk at a time and each chunk written before the next is read, so
    ``progress(rows done, rows in the file)`` moves from the start (the count of rows is
    the count of lines until the end, when it is exact) and memory holds one chunk."""
    report = ImportReport()
    expected = max(text.count("\n") - 1, 1)  # lines after the header: about the rows
    chunk: list[PortfolioRow] = []
    last: list[int] = []  # the progress shown last, not shown twice

    def flush() -> None:
        changed, unchanged, failed = upsert_rows(session, chunk, now) if chunk else (0, 0, [])
        report.created_or_updated += changed
        report.unchanged += unchanged
        report.errors.extend(failed)
        chunk.clear()
        shown = (report.rows, max(expected, report.rows))
        if progress is not None and list(shown) != last:
            progress(*shown)
            last[:] = shown

    try:
        for item in iter_portfolio(text, today=now.date()):
            report.rows += 1
            if isinstance(item, PortfolioRow):
                chunk.append(item)
                if len(chunk) == CHUNK:
                    flush()
            else:
                report.errors.append(item)
    except RowError as exc:  # the header: nothing was read
        report.errors.append((1, str(exc).removeprefix("line 1: ")))
        return report
    expected = report.rows  # now exact: the last report says 100%
    flush()
    report.errors.sort()
    return report
