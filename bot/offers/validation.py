"""Reading an offer book from YAML nodes, so that every problem can name its line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.money import money
from bot.offers import model as m
from bot.offers.coverage import check_tiers
from bot.offers.model import Charges, Limits, Offer, OfferBookError, Problem, Tier, When

_TOP = {"currency", "charges", "promise", "tiers", "limits", "name", "description"}
_CHARGES = {"late_fee_percent", "monthly_interest_percent"}
_PROMISE = {"max_days"}
_LIMITS = {"max_monthly_rate_percent", "human_approval_above_discount_percent"}
_TIER = {"name", "when", "offers"}
_WHEN = {"days_overdue", "balance", "segment"}
_OFFER = {"id", "type", "label", "discount_percent", "waive"}
_INSTALLMENTS = {
    "max_installments",
    "min_installments",
    "min_installment",
    "monthly_rate_percent",
    "down_payment_percent",
}
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class BookParts:
    name: str | None
    currency: str
    charges: Charges
    promise_max_days: int
    limits: Limits
    tiers: tuple[Tier, ...]


def _line(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


class _Reader:
    """Converts nodes to values, collecting a problem (with its line) for each bad one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.offer_ids: set[str] = set()

    def add(self, node: Node | None, message: str) -> None:
        self.problems.append(Problem(_line(node), message))

    def mapping(
        self, node: Node, where: str, allowed: set[str], required: tuple[str, ...] = ()
    ) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.add(node, f"{where} must be a mapping")
            return {}
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key not in allowed:
                known = ", ".join(sorted(allowed))
                self.add(key_node, f"unknown key {key!r} in {where} (known: {known})")
            elif key in found:
                self.add(key_node, f"duplicate key {key!r} in {where}")
            else:
                found[key] = value_node
        for key in required:
            if key not in found:
                self.add(node, f"{where} is missing {key!r}")
        return found

    def sequence(self, node: Node, where: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.add(node, f"{where} must be a list")
            return []
        return list(node.value)

    def string(self, node: Node, where: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag != _STR_TAG or not node.value.strip():
            self.add(node, f"{where} must be a non-empty text")
            return None
        return str(node.value).strip()

    def number(self, node: Node, where: str) -> Decimal | None:
        """A decimal from an int, a float or a quoted number, never through a float."""
        if isinstance(node, ScalarNode) and node.tag in (_INT_TAG, _FLOAT_TAG, _STR_TAG):
            try:
                value = Decimal(str(node.value).replace("_", ""))
            except InvalidOperation:
                value = None
            if value is not None and value.is_finite():
                return value
        self.add(node, f"{where} must be a number, not {_show(node)}")
        return None

    def integer(self, node: Node, where: str) -> int | None:
        if isinstance(node, ScalarNode) and node.tag == _INT_TAG:
            try:
                return int(str(node.value).replace("_", ""), 0)
            except ValueError:
                pass
        self.add(node, f"{where} must be a whole number, not {_show(node)}")
        return None

    def percent(
        self, node: Node, where: str, *, high: Decimal, below: bool = False
    ) -> Decimal | None:
        value = self.number(node, where)
        if value is None:
            return None
        if value < 0 or value > high or (below and value == high):
            bound = f"below {high}" if below else f"at most {high}"
            self.add(node, f"{where} must be at least 0 and {bound}, not {value}")
            return None
        return value

    def rate(self, node: Node, where: str, limits: Limits) -> Decimal | None:
        value = self.percent(node, where, high=Decimal(100))
        if value is None:
            return None
        if value > m.LEGAL_MAX_MONTHLY_RATE_PERCENT:
            self.add(
                node,
                f"{where} {value} % is above the legal cap of "
                f"{m.LEGAL_MAX_MONTHLY_RATE_PERCENT} % a month (Decreto 22.626/33)",
            )
        elif value > limits.max_monthly_rate_percent:
            self.add(
                node,
                f"{where} {value} % is above the book's limits.max_monthly_rate_percent "
                f"of {limits.max_monthly_rate_percent} %",
            )
        return value

    def pair(self, node: Node, where: str, *, whole: bool) -> tuple[Decimal, Decimal] | None:
        items = self.sequence(node, where)
        if not items:
            return None
        if len(items) != 2:
            self.add(node, f"{where} must be [min, max]")
            return None
        read = self.integer if whole else self.number
        low, high = (read(item, where) for item in items)
        if low is None or high is None:
            return None
        if low < 0 or high < low:
            self.add(node, f"{where} [{low}, {high}] must have 0 <= min <= max")
            return None
        return Decimal(low), Decimal(high)


def _show(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return repr(node.value)
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


def parse_book(text: str, source: str) -> BookParts:
    """Read and validate a whole book; raise ``OfferBookError`` listing every problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise OfferBookError(source, [Problem(line, f"not valid YAML: {exc}")]) from exc
    if root is None:
        raise OfferBookError(source, [Problem(None, "the book is empty")])
    reader = _Reader()
    top = reader.mapping(root, "the book", _TOP, ("currency", "tiers"))
    name = reader.string(top["name"], "name") if "name" in top else None
    currency = "BRL"
    if "currency" in top:
        found = reader.string(top["currency"], "currency")
        if found is not None and found != "BRL":
            reader.add(top["currency"], f"currency {found!r} is not supported (only BRL)")
    limits = _limits(reader, top.get("limits"))
    charges = _charges(reader, top.get("charges"), limits)
    promise_max_days = 10
    if "promise" in top:
        promise = reader.mapping(top["promise"], "promise", _PROMISE)
        if "max_days" in promise:
            days = reader.integer(promise["max_days"], "promise.max_days")
            if days is not None and days < 0:
                reader.add(promise["max_days"], "promise.max_days must be 0 or more")
            elif days is not None:
                promise_max_days = days
    tiers: list[tuple[Tier, Node, Node | None]] = []
    if "tiers" in top:
        nodes = reader.sequence(top["tiers"], "tiers")
        if not nodes and isinstance(top["tiers"], SequenceNode):
            reader.add(top["tiers"], "tiers must list at least one tier")
        for index, node in enumerate(nodes, start=1):
            tier = _tier(reader, node, index, limits)
            if tier is not None:
                tiers.append(tier)
    check_tiers(reader.add, tiers)
    if reader.problems:
        problems = sorted(reader.problems, key=lambda p: p.line or 0)
        raise OfferBookError(source, problems)
    return BookParts(
        name, currency, charges, promise_max_days, limits, tuple(t for t, _, _ in tiers)
    )


def _limits(reader: _Reader, node: Node | None) -> Limits:
    if node is None:
        return Limits()
    found = reader.mapping(node, "limits", _LIMITS)
    rate = m.LEGAL_MAX_MONTHLY_RATE_PERCENT
    if "max_monthly_rate_percent" in found:
        value_node = found["max_monthly_rate_percent"]
        value = reader.percent(value_node, "limits.max_monthly_rate_percent", high=Decimal(100))
        if value is not None and value > m.LEGAL_MAX_MONTHLY_RATE_PERCENT:
            reader.add(
                value_node,
                f"limits.max_monthly_rate_percent {value} % is above the legal cap of "
                f"{m.LEGAL_MAX_MONTHLY_RATE_PERCENT} % a month (Decreto 22.626/33)",
            )
        elif value is not None:
            rate = value
    approval = Decimal(100)
    if "human_approval_above_discount_percent" in found:
        where = "limits.human_approval_above_discount_percent"
        value = reader.percent(
            found["human_approval_above_discount_percent"], where, high=approval
        )
        approval = approval if value is None else value
    return Limits(rate, approval)


def _charges(reader: _Reader, node: Node | None, limits: Limits) -> Charges:
    if node is None:
        return Charges()
    found = reader.mapping(node, "charges", _CHARGES)
    fee = rate = None
    if "late_fee_percent" in found:
        fee_node = found["late_fee_percent"]
        fee = reader.percent(fee_node, "charges.late_fee_percent", high=Decimal(100))
        if fee is not None and fee > m.LEGAL_MAX_LATE_FEE_PERCENT:
            reader.add(
                fee_node,
                f"charges.late_fee_percent {fee} % is above the legal maximum of "
                f"{m.LEGAL_MAX_LATE_FEE_PERCENT} % (CDC art. 52 §1)",
            )
    if "monthly_interest_percent" in found:
        where = "charges.monthly_interest_percent"
        rate = reader.rate(found["monthly_interest_percent"], where, limits)
    return Charges(fee or Decimal(0), rate or Decimal(0))


def _tier(
    reader: _Reader, node: Node, index: int, limits: Limits
) -> tuple[Tier, Node, Node | None] | None:
    where = f"tier {index}"
    found = reader.mapping(node, where, _TIER, ("name", "offers"))
    name = reader.string(found["name"], f"{where} name") if "name" in found else None
    label = f"tier {name!r}" if name else where
    when, days_node = When(), None
    if "when" in found:
        cond = reader.mapping(found["when"], f"{label} when", _WHEN)
        days = balance = None
        if "days_overdue" in cond:
            days_node = cond["days_overdue"]
            days = reader.pair(days_node, f"{label} days_overdue", whole=True)
        if "balance" in cond:
            balance = reader.pair(cond["balance"], f"{label} balance", whole=False)
        segment = reader.string(cond["segment"], f"{label} segment") if "segment" in cond else None
        day_range = (int(days[0]), int(days[1])) if days else None
        when = When(
            day_range, (money(balance[0]), money(balance[1])) if balance else None, segment
        )
    offers: list[Offer] = []
    if "offers" in found:
        nodes = reader.sequence(found["offers"], f"{label} offers")
        if not nodes and isinstance(found["offers"], SequenceNode):
            reader.add(found["offers"], f"{label} has no offers")
        for position, offer_node in enumerate(nodes, start=1):
            offer = _offer(reader, offer_node, f"{label} offer {position}", limits, when)
            if offer is not None:
                offers.append(offer)
    if name is None:
        return None
    return Tier(name, when, tuple(offers)), node, days_node


def _offer(reader: _Reader, node: Node, where: str, limits: Limits, when: When) -> Offer | None:
    kind = None
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == "type" and isinstance(value_node, ScalarNode):
                kind = value_node.value
    allowed = _OFFER | _INSTALLMENTS if kind == m.INSTALLMENTS else _OFFER
    required = ("id", "type", "max_installments", "min_installment")
    found = reader.mapping(
        node, where, allowed, required if kind == m.INSTALLMENTS else ("id", "type")
    )
    offer_id = reader.string(found["id"], f"{where} id") if "id" in found else None
    where = f"offer {offer_id!r}" if offer_id else where
    if offer_id is not None and offer_id in reader.offer_ids:
        reader.add(found["id"], f"offer id {offer_id!r} is used twice (ids must be unique)")
    elif offer_id is not None:
        reader.offer_ids.add(offer_id)
    if "type" in found and kind not in m.OFFER_TYPES:
        types = " or ".join(m.OFFER_TYPES)
        reader.add(found["type"], f"{where} type must be {types}, not {_show(found['type'])}")
    values: dict[str, object] = {}
    if "label" in found:
        values["label"] = reader.string(found["label"], f"{where} label")
    if "discount_percent" in found:
        values["discount_percent"] = reader.percent(
            found["discount_percent"], f"{where} discount_percent", high=Decimal(100), below=True
        )
    if "waive" in found:
        waived: list[str] = []
        for item in reader.sequence(found["waive"], f"{where} waive"):
            text = reader.string(item, f"{where} waive")
            if text is not None and text not in m.WAIVABLE:
                reader.add(item, f"{where} cannot waive {text!r} (only late_fee, interest)")
            elif text is not None and text not in waived:
                waived.append(text)
        values["waive"] = tuple(waived)
    if kind == m.INSTALLMENTS:
        _installment_values(reader, found, where, limits, when, values)
    if offer_id is None or kind not in m.OFFER_TYPES or any(v is None for v in values.values()):
        return None
    return Offer(id=offer_id, type=kind, **values)  # type: ignore[arg-type]


def _installment_values(
    reader: _Reader,
    found: dict[str, Node],
    where: str,
    limits: Limits,
    when: When,
    values: dict[str, object],
) -> None:
    most = fewest = None
    if "max_installments" in found:
        most = reader.integer(found["max_installments"], f"{where} max_installments")
        if most is not None and not 1 <= most <= 120:
            reader.add(found["max_installments"], f"{where} max_installments must be 1 to 120")
        values["max_installments"] = most
    if "min_installments" in found:
        fewest = reader.integer(found["min_installments"], f"{where} min_installments")
        if fewest is not None and fewest < 1:
            reader.add(found["min_installments"], f"{where} min_installments must be 1 or more")
        values["min_installments"] = fewest
    fewest = 2 if "min_installments" not in found else fewest
    if most is not None and fewest is not None and fewest > most:
        reader.add(
            found.get("min_installments", found["max_installments"]),
            f"{where} min_installments {fewest} is above max_installments {most}",
        )
    if "min_installment" in found:
        node = found["min_installment"]
        smallest = reader.number(node, f"{where} min_installment")
        if smallest is not None and smallest <= 0:
            reader.add(node, f"{where} min_installment must be above 0")
        elif smallest is not None and when.balance and fewest:
            top = when.balance[1]
            if smallest * fewest > top:
                reader.add(
                    node,
                    f"{where} min_installment {smallest} x {fewest} installments is above the "
                    f"tier's largest balance {top}: the offer can never be made",
                )
        values["min_installment"] = None if smallest is None else money(smallest)
    if "monthly_rate_percent" in found:
        node = found["monthly_rate_percent"]
        values["monthly_rate_percent"] = reader.rate(node, f"{where} monthly_rate_percent", limits)
    if "down_payment_percent" in found:
        values["down_payment_percent"] = reader.percent(
            found["down_payment_percent"],
            f"{where} down_payment_percent",
            high=Decimal(100),
            below=True,
        )
