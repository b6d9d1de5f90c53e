"""CSV imports: portfolio (debtors and debts) and payments.

Each row is checked on its own: a bad row is reported with its line number and reason and
the good rows are kept. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.money import money
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository

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
OPTIONAL_PORTFOLIO_COLUMNS = ("birth_date",)  # read when present: older files import as before
PAYMENT_COLUMNS = ("debt_ref", "amount", "paid_at")
MAX_AMOUNT = Decimal("1e15")


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
        if raw.count(",") > 1 or re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+", raw):
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".")
    elif raw.count(".") > 1 or re.fullmatch(r"[1-9]\d{0,2}(\.\d{3})+", raw):
        raw = raw.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", raw):  # no '1e9', 'NaN' or 'Infinity'
        raise RowError(f"amount {text!r} is not a number")
    value = Decimal(raw)
    if value <= 0:
        raise RowError(f"amount {text!r} must be positive")
    if value >= MAX_AMOUNT:  # integer cents must fit the database's BIGINT
        raise RowError(f"amount {text!r} is too large")
    if value != value.quantize(Decimal("0.01")):
        raise RowError(f"amount {text!r} has more than two decimal places")
    return money(value)


def parse_date(text: str) -> date:
    """ISO (2026-11-10) or Brazilian (10/11/2026)."""
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw)
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
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
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError("a date, not an instant")  # fromisoformat would say midnight
        value = datetime.fromisoformat(raw)
    except ValueError:
        return datetime.combine(parse_date(raw), time(12, 0), tzinfo=ZoneInfo(tz))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value


def normalise_phone(text: str) -> str:
    """A phone in E.164; Brazilian numbers without a country code get +55."""
    digits = re.sub(r"\D", "", text)
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
    digits = [int(c) for c in re.sub(r"\D", "", text)]
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    for size in (9, 10):
        total = sum(d * w for d, w in zip(digits[:size], range(size + 1, 1, -1), strict=True))
        check = (total * 10) % 11 % 10
        if check != digits[size]:
            return False
    return True


def _rows(text: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise RowError(f"line 1: missing columns: {', '.join(missing)}")
    reader.fieldnames = header
    for record in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in record.items() if k}


def read_portfolio(
    text: str, *, today: date | None = None
) -> tuple[list[PortfolioRow], list[tuple[int, str]]]:
    """The file's good rows and (line, reason) of the bad ones. ``birth_date`` is optional
    (older files import as before)."""
    rows: list[PortfolioRow] = []
    errors: list[tuple[int, str]] = []
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
            if chat and not re.fullmatch(r"-?\d{1,20}", chat):
                raise RowError(f"telegram_chat_id {chat!r} is not a number")
            if not phone and not chat:
                raise RowError("no phone and no telegram_chat_id: the debtor cannot be reached")
            rows.append(
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
            errors.append((line, str(exc)))
    return rows, errors


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


def import_portfolio(session: Session, text: str, now: datetime) -> ImportReport:
    """Upsert every good row (each in its own savepoint); report every bad one."""
    report = ImportReport()
    try:
        rows, errors = read_portfolio(text, today=now.date())
    except RowError as exc:
        report.errors.append((1, str(exc).removeprefix("line 1: ")))
        return report
    report.errors.extend(errors)
    report.rows = len(rows) + len(errors)
    repo = PortfolioRepository(session)
    for row in rows:
        try:
            with session.begin_nested():
                debtor, changed = repo.upsert_debtor(row.debtor, now)
                changed |= repo.upsert_debt(debtor, row.debt, now)
        except ValueError as exc:
            report.errors.append((row.line, str(exc)))
            continue
        if changed:
            report.created_or_updated += 1
        else:
            report.unchanged += 1
    report.errors.sort()
    return report
