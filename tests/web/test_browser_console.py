# ruff: noqa: F811 - the shared fixtures are imported by name and requested as arguments
"""Issue 16 in a real headless Chromium: the agents' inbox and chat, the managers' approval
queue, and every console page on a 390×844 phone without sideways overflow.

Screenshots (``QUITA_SCREENSHOTS=1``): inbox views, a chat with notes and a pending
request, the approval queue, the do-not-contact banner, and the phone layouts.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.web.conftest import AGENT, MANAGER
from tests.web.test_browser import (  # noqa: F401 - fixtures used by name
    SERVERS,
    _login,
    _shot,
    _watch,
    browser,
    no_csp_violations,
    server,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
PAULO = "demo-demo-006"  # Paulo Ribeiro, R$ 1.250,50
JULIANA = "demo-demo-007"  # Juliana Costa


def _simulator(browser: Any, server: str, address: str) -> tuple[Any, Any]:
    from playwright.sync_api import expect

    context = browser.new_context(locale="pt-BR", viewport={"width": 480, "height": 900})
    sim = _watch(context.new_page())
    sim.set_default_timeout(15_000)
    sim.goto(f"{server}/simulator")
    sim.select_option("#sim-debtor", address)
    sim.click("#sim-start button[type=submit]")
    expect(sim.locator("#phone")).to_be_visible()
    return context, sim


def _say(sim: Any, text: str) -> None:
    from playwright.sync_api import expect

    before = sim.locator("#sim-messages .bubble").count()
    sim.fill("#sim-text", text)
    sim.press("#sim-text", "Enter")
    expect(sim.locator("#sim-messages .bubble")).not_to_have_count(before)


def _no_sideways_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 390px screen"


def test_agent_inbox_chat_and_manager_approval(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    sim_context, sim = _simulator(browser, server, PAULO)
    agents = browser.new_context(locale="pt-BR", viewport=DESKTOP)
    console = _login(agents, server, *AGENT)
    assert console.url.endswith("/console")
    waiting_before = int(console.locator("#count-unassigned").inner_text())
    _say(sim, "quero falar com uma pessoa")
    # the inbox hears it live: count, row and tab title change without a reload
    expect(console.locator("#count-unassigned")).to_have_text(str(waiting_before + 1))
    expect(console.locator("tr", has_text="Paulo Ribeiro")).to_contain_text("pediu uma pessoa")
    expect(console).to_have_title(f"({waiting_before + 1}) Atendimento · Loja Exemplo")
    console.locator("tr", has_text="Paulo Ribeiro").locator("button[type=submit]").click()
    expect(console.locator("#reply-form")).to_be_visible()

    # a canned reply with the debtor's facts, sent with Enter
    console.select_option("#canned", label="Saldo em aberto")
    area = console.locator("#reply-form textarea")
    text = area.input_value()
    assert text.startswith("Paulo, o saldo em aberto hoje é de R$ 1.")
    area.press("End")
    area.press("Shift+Enter")
    area.type("Posso ajudar?")
    assert area.input_value().endswith("\nPosso ajudar?")
    area.press("Enter")
    bubble = console.locator("#messages .bubble.agent").last
    expect(bubble).to_contain_text("Posso ajudar?")
    expect(bubble.locator("time")).to_have_count(1)
    # live: queued → sent (the sender and the SSE push may take seconds on a loaded machine)
    expect(bubble.locator(".status")).to_have_text("enviada", timeout=20_000)
    expect(sim.locator("#sim-messages .bubble.in").last).to_contain_text("Posso ajudar?")

    # a private note stays in the console
    console.fill("#note-form textarea", "Cliente pediu boleto por e-mail.")
    console.click("#note-form button[type=submit]")
    expect(console.locator(".notes .note")).to_contain_text("boleto por e-mail")

    # 60 % off is beyond the book: a request, not an agreement
    console.click("text=Criar acordo")
    console.fill("#agreement-form input[name=installments]", "1")
    console.fill("#agreement-form input[name=discount_percent]", "60")
    console.click("#agreement-form button[type=submit]")
    expect(console.locator("p.ok")).to_contain_text("aprovação de um gestor")
    expect(console.locator("#requests")).to_contain_text("pendente")
    _shot(console, "chat-request")

    # release without the bot speaking: the simulator gets nothing new
    before = sim.locator("#sim-messages .bubble").count()
    console.check("#release-form input[value=quiet]")
    console.click("#release-form button[type=submit]")
    expect(console.locator("#chat-status")).to_have_text("com o bot")
    sim.wait_for_timeout(1500)
    assert sim.locator("#sim-messages .bubble").count() == before

    # past chats: the "all" view finds it by name, text or phone digits
    console.goto(f"{server}/console?view=all&q=boleto")
    expect(console.locator("#inbox tbody tr")).to_have_count(0)  # notes are not searched
    console.goto(f"{server}/console?view=all&q=Paulo")
    expect(console.locator("#inbox tbody tr")).to_have_count(1)
    console.goto(f"{server}/console?view=all&q=Posso%20ajudar")
    expect(console.locator("#inbox tbody tr", has_text="Paulo Ribeiro")).to_have_count(1)
    _shot(console, "inbox-search")

    # the manager's queue: approve, and the approver is recorded
    managers = browser.new_context(locale="pt-BR", viewport=DESKTOP)
    boss = _login(managers, server, *MANAGER)
    boss.goto(f"{server}/console")
    expect(boss.locator("#approvals-link .count")).to_have_text("1")
    boss.click("#approvals-link")
    card = boss.locator("section.request", has_text="Paulo Ribeiro")
    expect(card).to_contain_text("desconto maior que o da tabela")
    expect(card).to_contain_text("pedido por Agente Demo")
    _shot(boss, "approvals")
    card.locator("button.primary").click()
    expect(boss.locator("section.request")).to_have_count(0)
    boss.goto(f"{server}/console/approvals?status=approved")
    expect(boss.locator("section.request", has_text="Paulo Ribeiro")).to_contain_text(
        "decidido por Gerente Demo"
    )
    boss.locator("section.request a", has_text="Paulo Ribeiro").click()
    expect(boss.locator(".side")).to_contain_text("ativo")
    managers.close()
    agents.close()
    sim_context.close()


def test_do_not_contact_banner_and_phone_layout(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    sim_context, sim = _simulator(browser, server, JULIANA)
    _say(sim, "quero falar com uma pessoa")
    phone = browser.new_context(
        locale="pt-BR", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = _login(phone, server, *AGENT)
    expect(page.locator("tr", has_text="Juliana Costa")).to_be_visible()
    _no_sideways_overflow(page)
    _shot(page, "inbox-phone")
    page.locator("tr", has_text="Juliana Costa").locator("button[type=submit]").click()
    expect(page.locator("#reply-form")).to_be_visible()
    page.fill("#reply-form textarea", "Oi Juliana! " + "Uma mensagem bem comprida " * 8)
    page.press("#reply-form textarea", "Enter")
    expect(page.locator("#messages .bubble.agent")).to_have_count(1)
    _no_sideways_overflow(page)
    _shot(page, "chat-phone")

    _say(sim, "SAIR")  # the debtor opts out
    page.reload()
    expect(page.locator("#dnc-banner")).to_contain_text("pediu para não receber mensagens")
    expect(page.locator("#reply-form")).to_have_count(0)
    _no_sideways_overflow(page)
    _shot(page, "chat-do-not-contact")

    manager = browser.new_context(locale="pt-BR", viewport=PHONE, is_mobile=True)
    boss = _login(manager, server, *MANAGER)
    for path, shot in (
        ("/console?view=all", "inbox-all-phone"),
        ("/console/approvals", None),
        ("/dashboard", "dashboard-phone"),
        ("/dashboard/conversations", "log-phone"),
    ):
        boss.goto(f"{server}{path}")
        _no_sideways_overflow(boss)
        if shot:
            _shot(boss, shot)
    # the charts keep readable type on a phone: no label drawn below 11 px
    boss.goto(f"{server}/dashboard")
    smallest = boss.evaluate(
        "Math.min(...[...document.querySelectorAll('.chart svg text')]"
        ".map(t => t.getBoundingClientRect().height).filter(h => h > 0))"
    )
    assert smallest >= 11, smallest
    # the language switch
    boss.click("a.lang")
    expect(boss.locator("h1")).to_have_text("Results")
    expect(boss.locator("[data-kpi=self_cure_rate] .name")).to_have_text("Self-cure rate")
    manager.close()
    phone.close()
    sim_context.close()


ROBERTO = "demo-demo-008"  # Roberto Alves, 20 days late


def test_simulator_pix_appears_once_and_the_copy_button_copies_it(
    server: str, browser: Any
) -> None:
    """The PIX code is shown once, in its own box (not repeated in the text), and the copy
    button puts exactly that code on the clipboard and says so."""
    from playwright.sync_api import expect

    context, sim = _simulator(browser, server, ROBERTO)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    _say(sim, "me manda o pix")
    # the identity check comes first: answered with its button, then the PIX is asked again
    sim.locator("#sim-messages .buttons button", has_text="Sim, sou eu").click()
    # confirmed: the debt is disclosed (the greeting's wording varies between variants)
    expect(sim.locator("#sim-messages")).to_contain_text("Colchão casal")
    _say(sim, "me manda o pix")
    pix = sim.locator("#sim-messages .pix")
    expect(pix).to_have_count(1)
    code = pix.inner_text().strip()
    assert code.startswith("000201")  # a BR Code
    bubble = sim.locator("#sim-messages .bubble").filter(has=sim.locator(".pix"))
    assert bubble.locator(".text").inner_text().count(code) == 0  # shown once, in its box
    copy = bubble.locator("button.copy-pix")
    expect(copy).to_have_text("Copiar código PIX")
    copy.click()
    expect(copy).to_have_text("Copiado!")
    assert sim.evaluate("navigator.clipboard.readText()") == code
    context.close()


MARCOS = "demo-demo-010"  # Marcos Rocha, DEMO-010-1


def test_a_payment_shows_live_in_the_chat_panel_and_the_dashboard(
    server: str, browser: Any
) -> None:
    """A payment confirmed while an agent has the chat open (typing a reply) and a manager
    has the results open: the chat's panel shows it without a reload (the draft stays) and
    the results page offers to refresh."""
    from playwright.sync_api import expect

    sim_context, sim = _simulator(browser, server, MARCOS)
    _say(sim, "quero falar com uma pessoa")
    agents = browser.new_context(locale="pt-BR", viewport=DESKTOP)
    console = _login(agents, server, *AGENT)
    console.locator("tr", has_text="Marcos Rocha").locator("button[type=submit]").click()
    expect(console.locator("#reply-form")).to_be_visible()
    expect(console.locator("#side")).not_to_contain_text("pagamento recebido")
    balance_before = console.locator("#side .balance").inner_text()
    console.fill("#reply-form textarea", "Marcos, um instante")
    managers = browser.new_context(locale="pt-BR", viewport=DESKTOP)
    dashboard = _login(managers, server, *MANAGER)
    dashboard.goto(f"{server}/dashboard")
    expect(dashboard.locator("#new-payments")).to_be_hidden()
    dashboard.wait_for_timeout(1500)  # the results page's stream is open

    runtime, loop = SERVERS[server]
    paid = asyncio.run_coroutine_threadsafe(
        runtime.outreach.confirm_payment(
            "DEMO-010-1", Decimal("100.00"), runtime.clock.now() - timedelta(minutes=1)
        ),
        loop,
    )
    assert paid.result(15)

    expect(console.locator("#side")).to_contain_text("pagamento recebido")
    expect(console.locator("#side")).to_contain_text("Valor: R$ 100,00")
    assert console.locator("#side .balance").inner_text() != balance_before
    expect(console.locator("#reply-form textarea")).to_have_value("Marcos, um instante")
    expect(dashboard.locator("#new-payments")).to_be_visible()
    dashboard.locator("#new-payments a").click()
    expect(dashboard.locator("#new-payments")).to_be_hidden()
    for context in (sim_context, agents, managers):
        context.close()
