"""The self-service page in a real headless Chromium (Debian's ``chromium``), on a phone
(390×844) and a desktop: link → identity check → simulate → accept → PIX; a lock after the
wrong digits; a tampered link refused. With ``QUITA_SCREENSHOTS=1`` the screens are saved
as ``docs/screenshots/portal_*.png``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.portal import links
from bot.portal.tokens import LinkSigner
from bot.runtime.service import Runtime, TurnDeps
from bot.store.demo import load_demo
from bot.store.tables import Agreement, AgreementInstallment, Debtor
from bot.web.app import build_app
from tests.web.conftest import SECRET, make_runtime, make_settings
from tests.web.test_browser import ARGS, CHROMIUM, TIMEOUT_MS, _need_chromium, _shot

pytestmark = pytest.mark.browser

PORT = int(os.environ.get("QUITA_TEST_PORTAL_PORT", "18110"))  # one per parallel checkout
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, shared_deps: TurnDeps
) -> Iterator[tuple[str, Runtime]]:
    _need_chromium()
    import uvicorn

    path = tmp_path_factory.mktemp("portal_browser") / "quita.db"
    settings = make_settings(f"sqlite:///{path}", cadence={"enabled": False})
    load_demo(settings)
    runtime = make_runtime(settings, shared_deps)
    app = build_app(settings, runtime, background=True)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=PORT, log_level="warning", ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{PORT}", runtime
    server.should_exit = True
    thread.join(10)
    runtime.engine.dispose()


@pytest.fixture(scope="module")
def browser(served: tuple[str, Runtime]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _debtor(runtime: Runtime, ref: str) -> tuple[int, str]:
    with runtime.db() as session:
        row = session.scalar(select(Debtor).where(Debtor.ref == ref))
        assert row is not None
        return row.id, re.sub(r"\D", "", row.document or "")[-4:]


def _link(runtime: Runtime, debtor_id: int) -> str:
    url: str = runtime.in_transaction(
        lambda s: links.issue_link(
            s, LinkSigner(SECRET), runtime.settings, debtor_id, runtime.clock.now()
        )
    )
    return url.removeprefix(runtime.settings.public_url.rstrip("/"))


MISSING: list[str] = []  # files a page asked for and did not get (an icon, a script...)


@pytest.fixture(autouse=True)
def nothing_missing() -> Iterator[None]:
    MISSING.clear()
    yield
    assert MISSING == []


def _missing(response: Any) -> None:
    """A file the page needs (style, script, image, icon) that did not come; the pages
    themselves (a bad link's 404) and the page's own API calls are checked by the tests."""
    if response.status >= 400 and response.request.resource_type not in (
        "document",
        "fetch",
        "xhr",
    ):
        MISSING.append(f"{response.status} {response.url}")


def _open(browser: Any, base: str, path: str, viewport: dict[str, int]) -> tuple[Any, Any]:
    context = browser.new_context(locale="pt-BR", viewport=viewport)
    page = context.new_page()
    page.on("response", _missing)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base + path)
    return context, page


@pytest.mark.parametrize(
    ("ref", "viewport", "name"), [("DEMO-004", PHONE, "phone"), ("DEMO-006", DESKTOP, "desktop")]
)
def test_link_check_simulate_accept_pix(
    served: tuple[str, Runtime], browser: Any, ref: str, viewport: dict[str, int], name: str
) -> None:
    from playwright.sync_api import expect

    base, runtime = served
    debtor_id, digits = _debtor(runtime, ref)
    context, page = _open(browser, base, _link(runtime, debtor_id), viewport)
    expect(page.locator("h1")).to_be_visible()
    assert "R$" not in page.content()  # nothing about the debt before the check
    _shot(page, f"portal_{name}_check")
    page.get_by_label(re.compile("dígitos do seu CPF")).fill(digits)
    page.keyboard.press("Enter")
    expect(page.locator("#owed-title")).to_be_visible()
    # the heading shows while the page is still parsing: its script (what moves the figures
    # with the slider) is in once the page has loaded; a key pressed before that was lost
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    _shot(page, f"portal_{name}_offers")

    card = page.locator("article.offer", has=page.locator("input[type=range]")).first
    slider = card.locator("input[type=range]")
    start = int(slider.input_value())
    lowest = int(slider.get_attribute("min") or "2")
    assert start > lowest
    slider.focus()
    page.keyboard.press("ArrowLeft")  # the keyboard moves the plan, the figures follow
    chosen = start - 1
    expect(card.locator("output")).to_have_text(str(chosen))
    rows = card.locator(".plan-slot .schedule li")
    expect(rows).to_have_count(chosen)
    expect(card.locator("form.accept input[name=n]")).to_have_value(str(chosen))
    _shot(page, f"portal_{name}_simulated")

    card.locator("form.accept button").click()
    expect(page.locator("#agreement-title")).to_be_visible()
    expect(page.locator("#pix-code")).to_have_value(re.compile("^000201"))
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.locator("#copy-pix")).to_be_visible()
    _shot(page, f"portal_{name}_pix")
    with runtime.db() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.debtor_id == debtor_id))
        assert agreement is not None
        count = len(
            list(
                session.scalars(
                    select(AgreementInstallment).where(
                        AgreementInstallment.agreement_id == agreement.id,
                        AgreementInstallment.number > 0,
                    )
                )
            )
        )
    assert agreement.installments == chosen
    assert count == chosen
    context.close()


def test_wrong_digits_lock_and_bad_links_refused(
    served: tuple[str, Runtime], browser: Any
) -> None:
    from playwright.sync_api import expect

    base, runtime = served
    debtor_id, digits = _debtor(runtime, "DEMO-005")
    path = _link(runtime, debtor_id)
    context, page = _open(browser, base, path, PHONE)
    wrong = "0000" if digits != "0000" else "1111"
    for attempt in range(runtime.settings.portal.max_attempts):
        page.locator("#answer").fill(wrong)
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        if attempt == 0:
            expect(page.locator("#answer-error")).to_be_visible()
            _shot(page, "portal_phone_wrong_digits")
    expect(page.get_by_role("alert")).to_contain_text("tentativas demais")
    _shot(page, "portal_phone_locked")
    assert "R$" not in page.content()

    token = path.removeprefix("/p/")
    page.goto(f"{base}/p/{token[:-3]}xyz")
    expect(page.locator("h1")).to_contain_text("não vale mais")
    _shot(page, "portal_phone_invalid")
    context.close()


def test_birth_date_check_on_a_phone(served: tuple[str, Runtime], browser: Any) -> None:
    """No CPF on file: the page asks for the date of birth (DEMO-021, in English)."""
    from playwright.sync_api import expect

    base, runtime = served
    debtor_id, _ = _debtor(runtime, "DEMO-021")
    context, page = _open(browser, base, _link(runtime, debtor_id) + "?lang=en", PHONE)
    field = page.get_by_label("Your date of birth")
    expect(field).to_be_visible()
    assert "R$" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "portal_phone_birth_date_check")
    field.fill("25/03/1984")
    page.keyboard.press("Enter")
    expect(page.locator("#owed-title")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
