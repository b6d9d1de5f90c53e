"""The whole demo in a real headless Chromium (Debian's ``chromium``) driven by Playwright.

An agent takes a handed-off chat, replies, sees it arrive in the simulator, hands back and
the bot answers again; a manager filters the log, opens a transcript and exports CSV.
With ``QUITA_SCREENSHOTS=1`` the inbox, a chat and the dashboard are saved to
``docs/screenshots/`` (``scripts/screenshots.py`` does that).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.runtime.service import Runtime, TurnDeps
from bot.store.demo import load_demo
from bot.web.app import build_app
from tests.conftest import REQUIRE_SERVICES
from tests.web.conftest import AGENT, MANAGER, make_runtime, make_settings

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("QUITA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEBTOR = "demo-demo-004"  # Carlos Santos, a few days late
TIMEOUT_MS = 15_000


def _need_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (set QUITA_CHROMIUM)"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (QUITA_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


SERVERS: dict[str, tuple[Runtime, asyncio.AbstractEventLoop]] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, shared_deps: TurnDeps) -> Iterator[str]:
    """The real app under uvicorn in a thread, on a random port, with the demo portfolio."""
    _need_chromium()
    import uvicorn

    path = tmp_path_factory.mktemp("browser") / "quita.db"
    settings = make_settings(f"sqlite:///{path}", cadence={"enabled": False})
    load_demo(settings)
    runtime = make_runtime(settings, shared_deps)
    app = build_app(settings, runtime, background=True)
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    # a test may do server-side work (a payment arriving) on the server's own event loop
    SERVERS[url] = (runtime, uv.servers[0].get_loop())
    yield url
    SERVERS.pop(url, None)
    uv.should_exit = True
    thread.join(10)
    runtime.engine.dispose()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


CSP_VIOLATIONS: list[str] = []
MISSING: list[str] = []  # files a page asked for and did not get (an icon, a script...)


def _watch(page: Any) -> Any:
    """Record every Content-Security-Policy refusal the page reports and every file it
    could not load (there must be none)."""

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            CSP_VIOLATIONS.append(message.text)

    def on_response(response: Any) -> None:
        # the pages themselves and their API calls are the tests' to check
        kind = response.request.resource_type
        if response.status >= 400 and kind not in ("document", "fetch", "xhr", "eventsource"):
            MISSING.append(f"{response.status} {response.url} on {page.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    return page


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    MISSING.clear()
    yield
    assert CSP_VIOLATIONS == []
    assert MISSING == []


def _shot(page: Any, name: str) -> None:
    if os.environ.get("QUITA_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _login(context: Any, base: str, email: str, password: str) -> Any:
    page = _watch(context.new_page())
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    return page


def _bubbles(page: Any) -> int:
    return int(page.locator("#sim-messages .bubble").count())


def _send(page: Any, text: str) -> None:
    page.fill("#sim-text", text)
    page.press("#sim-text", "Enter")


def test_agent_takes_over_and_hands_back(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    debtor = browser.new_context(locale="pt-BR", viewport={"width": 480, "height": 900})
    sim = _watch(debtor.new_page())
    sim.set_default_timeout(TIMEOUT_MS)
    sim.goto(f"{server}/simulator")
    sim.select_option("#sim-debtor", DEBTOR)
    sim.click("#sim-start button[type=submit]")
    expect(sim.locator("#phone")).to_be_visible()
    _send(sim, "quero falar com uma pessoa")
    expect(sim.locator("#sim-messages .bubble.in").last).to_contain_text("pessoa")

    agents = browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 900})
    console = _login(agents, server, *AGENT)
    assert console.url.endswith("/console")
    row = console.locator("tr", has_text="Carlos Santos")
    expect(row).to_contain_text("pediu uma pessoa")
    expect(console.locator("#live.on")).to_be_visible()
    _shot(console, "inbox")
    row.locator("button[type=submit]").click()
    expect(console.locator("#reply-form")).to_be_visible()

    reply = "Oi Carlos, aqui é a Ana <b>do financeiro</b>. Como posso ajudar?"
    console.fill("#reply-form textarea", reply)
    console.click("#reply-form button[type=submit]")
    expect(console.locator("#messages .bubble.agent").last).to_contain_text(reply)
    expect(sim.locator("#sim-messages .bubble.in").last).to_have_text(reply)

    # the debtor answers: the agent sees it live, without reloading
    _send(sim, "Quero parcelar em 3x")
    expect(console.locator("#messages .bubble.in").last).to_contain_text("parcelar em 3x")
    _shot(console, "chat")

    before = _bubbles(sim)
    console.check("#release-form input[value=message]")  # the agent chooses: bot speaks
    console.click("#release-form button[type=submit]")
    expect(sim.locator("#sim-messages .bubble")).to_have_count(before + 1)
    expect(sim.locator("#sim-messages .bubble.in").last).to_contain_text("Carlos")
    before = _bubbles(sim)
    _send(sim, "quanto eu devo?")
    expect(sim.locator("#sim-messages .bubble")).not_to_have_count(before)
    sim.wait_for_function(
        "n => document.querySelectorAll('#sim-messages .bubble').length > n + 1", arg=before
    )
    expect(sim.locator("#sim-messages .bubble").last).to_have_class("bubble in")
    agents.close()
    debtor.close()


def test_manager_filters_reads_and_exports(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(
        locale="pt-BR", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = _login(context, server, *MANAGER)
    assert page.url.endswith("/dashboard")
    expect(page.locator(".kpi").first).to_be_visible()
    assert page.locator(".chart svg").count() == 4
    _shot(page, "dashboard")

    page.click("text=Conversas")
    page.fill("#log-filters input[name=q]", "Carlos")
    page.click("#log-filters button[type=submit]")
    expect(page.locator("#log tbody tr")).to_have_count(1)
    assert "q=Carlos" in page.url
    page.click("#log tbody tr a >> nth=0")
    expect(page.locator("#transcript")).to_contain_text("request_human")

    page.go_back()
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeffconversation_id;")  # a pt-BR spreadsheet's CSV
    assert "Carlos Santos" in text
    assert len(text.strip().splitlines()) == 2
    context.close()
