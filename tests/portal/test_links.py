"""What the identity check asks and which answers pass: CPF digits, else the birth date."""

from __future__ import annotations

from datetime import date

import pytest

from bot.portal.links import can_check_identity, identity_matches, identity_method
from bot.store.tables import Debtor

CPF = "529.982.247-25"
BORN = date(1984, 3, 25)


def debtor(document: str | None = None, birth_date: date | None = None) -> Debtor:
    return Debtor(ref="D-1", name="Mary", document=document, birth_date=birth_date)


def test_the_cpf_comes_first_then_the_birth_date_then_nothing() -> None:
    assert identity_method(debtor(CPF, BORN)) == "cpf"
    assert identity_method(debtor(None, BORN)) == "birth_date"
    assert identity_method(debtor(None, None)) is None
    assert not can_check_identity(debtor())


def test_with_a_cpf_its_last_four_digits_pass_and_nothing_else() -> None:
    with_cpf = debtor("123.456.789-09", BORN)
    assert identity_matches(with_cpf, "8909") is True
    assert identity_matches(with_cpf, "89-09") is True
    assert identity_matches(with_cpf, "6789") is False
    assert identity_matches(with_cpf, "25/03/1984") is False  # the CPF is what is asked


@pytest.mark.parametrize(
    ("answer", "passes"),
    [
        ("25/03/1984", True),
        ("25-03-1984", True),
        ("25.3.1984", True),
        (" 25/03/1984 ", True),
        ("25031984", True),
        ("1984-03-25", True),  # a browser's date input
        ("03/25/1984", False),  # month first is not our format
        ("26/03/1984", False),
        ("31/02/1984", False),
        ("1984", False),
        ("", False),
    ],
)
def test_the_birth_date_in_the_forms_people_type(answer: str, passes: bool) -> None:
    assert identity_matches(debtor(None, BORN), answer) is passes


def test_with_neither_nothing_passes() -> None:
    assert identity_matches(debtor(), "") is False
    assert identity_matches(debtor(), "0000") is False
