"""A fictional demo portfolio: 24 debtors in the situations a shop really has."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import func, inspect, select

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.domain import Plan, ScheduledPayment
from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository
from bot.store.tables import Debtor, Promise, User

# (name, language, days from today to the due date, amount, description, situation)
DEMO = [
    ("Maria Souza", "pt", 3, "600.00", "Geladeira Frost Free", "due_soon"),
    ("João Pereira", "pt", 2, "189.90", "Liquidificador", "due_soon"),
    ("Ana Oliveira", "pt", 0, "320.00", "Sofá 2 lugares (parcela 3/10)", "due_today"),
    ("Carlos Santos", "pt", -3, "450.00", "Guarda-roupa", "few_days_late"),
    ("Fernanda Lima", "pt", -5, "249.90", "Micro-ondas", "few_days_late"),
    ("Paulo Ribeiro", "pt", -8, "1250.50", 'Smart TV 50"', "few_days_late"),
    ("Juliana Costa", "pt", -12, "89.90", "Ventilador", "few_days_late"),
    ("Roberto Alves", "pt", -20, "720.00", "Colchão casal", "late"),
    ("Patrícia Gomes", "pt", -27, "399.00", "Tanquinho", "promise"),
    ("Marcos Rocha", "pt", -35, "980.00", "Fogão 5 bocas", "months_late"),
    ("Luciana Martins", "pt", -48, "560.00", "Rack e painel", "months_late"),
    ("Ricardo Barbosa", "pt", -62, "2100.00", "Notebook", "months_late"),
    ("Camila Freitas", "pt", -75, "310.00", "Cafeteira e torradeira", "months_late"),
    ("André Carvalho", "pt", -95, "1480.00", "Máquina de lavar", "very_late"),
    ("Beatriz Teixeira", "pt", -130, "650.00", "Cama box", "very_late"),
    ("Eduardo Moreira", "pt", -160, "3200.00", "Jogo de sala completo", "very_late"),
    ("Sandra Nunes", "pt", -40, "1200.00", "Geladeira duplex", "agreement"),
    ("Gustavo Dias", "pt", -70, "900.00", "Celular", "agreement"),
    ("Renata Castro", "pt", -15, "275.00", "Aspirador", "disputed"),
    ("Tiago Mendes", "pt", -10, "150.00", "Ferro de passar", "paid"),
    ("Mary Johnson", "en", -6, "420.00", "Washing machine (installment 2/6)", "few_days_late"),
    ("David Miller", "en", 1, "199.00", "Air fryer", "due_soon"),
    ("Linda Brown", "en", -45, "860.00", "Mattress", "months_late"),
    ("Kevin Wilson", "en", -18, "130.00", "Blender", "late"),
]

# The portal's identity check without a CPF: these debtors' birth dates (the others have
# neither, and the page sends them to a person).
DEMO_BIRTH_DATES = {"Mary Johnson": date(1984, 3, 25), "David Miller": date(1991, 11, 2)}

DEMO_USERS = [
    ("agent@demo", "Agente Demo", "agent"),
    ("manager@demo", "Gerente Demo", "manager"),
]


def _cpf(seed: int) -> str:
    base = [int(c) for c in f"{(seed * 7919 + 123456789) % 10**9:09d}"]
    for size in (9, 10):
        total = sum(d * w for d, w in zip(base, range(size + 1, 1, -1), strict=False))
        base.append((total * 10) % 11 % 10)
    digits = "".join(map(str, base))
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def demo_refusal(settings: Settings) -> str | None:
    """Why the demo must not be loaded into this database (without ``--force``), or None.

    The demo adds known logins ('demo-agent'...): never on a database that holds real
    debtors or users, nor on a server database unless the deployment says it is a demo.
    """
    url = settings.database_url
    if not url.startswith("sqlite") and not settings.demo:
        return (
            "the database is not SQLite and `demo: true` is not set: this looks like a "
            "production database, and the demo creates users with known passwords"
        )
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        if not {"debtors", "users"} <= tables:
            return None
        with make_sessionmaker(engine)() as session:
            real_debtors = session.scalar(
                select(func.count()).select_from(Debtor).where(~Debtor.ref.startswith("DEMO-"))
            )
            demo_emails = [email for email, _name, _role in DEMO_USERS]
            real_users = session.scalar(
                select(func.count()).select_from(User).where(User.email.not_in(demo_emails))
            )
    finally:
        engine.dispose()
    if real_debtors or real_users:
        return (
            f"the database already holds {real_debtors} non-demo debtors and {real_users} "
            "non-demo users"
        )
    return None


def load_demo(settings: Settings, *, clock: Clock | None = None) -> str:
    """Load (or refresh) the demo portfolio; returns a summary with the demo logins."""
    now = (clock or SystemClock()).now()
    today = now.astimezone(ZoneInfo(settings.business.timezone)).date()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    logins: list[str] = []
    with transaction(make_sessionmaker(engine)) as session:
        repo = PortfolioRepository(session)
        ledger = LedgerRepository(session)
        events = EventLog(session)
        for number, (name, language, offset, amount, description, situation) in enumerate(
            DEMO, start=1
        ):
            ref = f"DEMO-{number:03d}"
            debtor, created = repo.upsert_debtor(
                DebtorRecord(
                    ref=ref,
                    name=name,
                    language=language,
                    document=_cpf(number) if language == "pt" else None,
                    birth_date=DEMO_BIRTH_DATES.get(name),
                    # no phone: demo debtors live in the simulator, so a fresh demo does not
                    # start with reminders failing on a WhatsApp account nobody configured
                    phone=None,
                ),
                now,
            )
            repo.ensure_contact(debtor, "web", f"demo-{ref.lower()}", now)
            debt_ref = f"{ref}-1"
            repo.upsert_debt(
                debtor,
                DebtRecord(
                    ref=debt_ref,
                    description=description,
                    amount=Decimal(amount),
                    due=today + timedelta(days=offset),
                ),
                now,
            )
            if not created:
                continue
            _situation(session, repo, ledger, events, debtor.id, debt_ref, situation, now, today)
        for email, name, role in DEMO_USERS:
            if session.scalar(select(User).where(User.email == email)) is None:
                password = demo_password(settings, email)
                session.add(
                    User(
                        email=email,
                        name=name,
                        role=role,
                        password_hash=PasswordHasher().hash(password),
                        language="pt",
                        created_at=now,
                    )
                )
            logins.append(f"  {role:8} {email} / {demo_password(settings, email)}")
    engine.dispose()
    return (
        f"demo portfolio: {len(DEMO)} debtors loaded\n"
        "demo logins (change them before any real use):\n" + "\n".join(logins)
    )


def demo_password(settings: Settings, email: str) -> str:
    """Demo passwords are fixed per checkout so the README can tell them: 'demo-<role>'."""
    del settings
    return "demo-" + email.split("@", 1)[0]


def _situation(
    session: object,
    repo: PortfolioRepository,
    ledger: LedgerRepository,
    events: EventLog,
    debtor_id: int,
    debt_ref: str,
    situation: str,
    now: datetime,
    today: date,
) -> None:
    debt = repo.debt_by_ref(debt_ref)
    assert debt is not None
    if situation == "promise":
        ledger.add_promise(
            Promise(
                debtor_id=debtor_id,
                due=today + timedelta(days=2),
                amount=debt.amount,
                status="open",
                created_by="bot",
                created_at=now - timedelta(days=1),
            )
        )
        events.append(
            "promise_recorded",
            at=now - timedelta(days=1),
            debtor_id=debtor_id,
            data={"due": (today + timedelta(days=2)).isoformat(), "amount": str(debt.amount)},
        )
    elif situation == "agreement":
        n = 4
        part = (debt.amount / n).quantize(Decimal("0.01"))
        payments = tuple(
            ScheduledPayment(
                number=i,
                due=today + timedelta(days=30 * (i - 1) - 10),
                amount=part if i < n else debt.amount - part * (n - 1),
            )
            for i in range(1, n + 1)
        )
        plan = Plan(
            offer_id="demo_installments",
            kind="installments",
            balance=debt.amount,
            total=debt.amount,
            payments=payments,
        )
        agreement = ledger.create_agreement(
            debtor_id=debtor_id, conversation_id=None, plan=plan, status="active", now=now
        )
        first = ledger.installments(agreement.id)[0]
        first.status = "paid"
        first.paid_amount = first.amount
        first.paid_at = now - timedelta(days=10)
        debt.status = "in_agreement"
        debt.agreement_id = agreement.id
        events.append(
            "agreement_created",
            at=now - timedelta(days=40),
            debtor_id=debtor_id,
            data={"agreement_id": agreement.id, "total": str(plan.total), "installments": n},
        )
    elif situation == "disputed":
        debt.status = "disputed"
        events.append(
            "dispute_opened",
            at=now - timedelta(days=2),
            debtor_id=debtor_id,
            data={"debt_refs": [debt_ref]},
        )
    elif situation == "paid":
        repo.record_payment(
            debt,
            debt.amount,
            now - timedelta(days=1),
            source="demo",
            dedupe_key=f"demo:{debt_ref}",
            now=now,
        )
        events.append(
            "payment_received",
            at=now - timedelta(days=1),
            actor="business",
            debtor_id=debtor_id,
            data={"debt_ref": debt_ref, "amount": str(debt.amount)},
        )
