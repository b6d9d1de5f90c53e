"""The Rasa backend: against a stand-in transport always, a real server when opted in."""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bot.nlu.evaluate import evaluate, load_cases
from bot.nlu.rasa import RasaInterpreter, RasaUnavailable

NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")


def fake_rasa(request: httpx.Request) -> httpx.Response:
    text = json.loads(request.content)["text"]
    return httpx.Response(
        200,
        json={
            "text": text,
            "intent": {"name": "promise_to_pay", "confidence": 0.91},
            "intent_ranking": [{"name": "promise_to_pay", "confidence": 0.91}],
            "entities": [],
        },
    )


def test_intent_from_rasa_entities_from_us() -> None:
    client = httpx.Client(transport=httpx.MockTransport(fake_rasa))
    rasa = RasaInterpreter("http://rasa.test", client=client)
    parsed = rasa.parse("vou pagar 100 na sexta", NOW)
    assert (parsed.intent, parsed.confidence) == ("promise_to_pay", 0.91)
    assert parsed.value("date") == "2026-11-27"
    assert parsed.value("amount") == "100.00"


def test_server_down_is_a_clear_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    rasa = RasaInterpreter(
        "http://rasa.test", client=httpx.Client(transport=httpx.MockTransport(down))
    )
    with pytest.raises(RasaUnavailable, match="rasa.test"):
        rasa.parse("oi", NOW)


def test_nlu_fallback_names_our_best_intent() -> None:
    def fallback(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "intent": {"name": "nlu_fallback", "confidence": 0.3},
                "intent_ranking": [
                    {"name": "nlu_fallback", "confidence": 0.3},
                    {"name": "negotiate", "confidence": 0.25},
                    {"name": "cannot_pay", "confidence": 0.2},
                ],
            },
        )

    client = httpx.Client(transport=httpx.MockTransport(fallback))
    parsed = RasaInterpreter("http://rasa.test", client=client).parse("hmm parcelar?", NOW)
    assert (parsed.intent, parsed.confidence) == ("negotiate", 0.25)
    assert [name for name, _ in parsed.intent_ranking] == ["negotiate", "cannot_pay"]


def test_empty_text_does_not_call_the_server() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise AssertionError("called")

    rasa = RasaInterpreter(
        "http://rasa.test", client=httpx.Client(transport=httpx.MockTransport(boom))
    )
    assert rasa.parse("   ", NOW).intent == "out_of_scope"


def test_http_error_is_a_clear_error() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="model not loaded")

    rasa = RasaInterpreter(
        "http://rasa.test", client=httpx.Client(transport=httpx.MockTransport(broken))
    )
    with pytest.raises(RasaUnavailable, match=r"http://rasa.test/model/parse answered HTTP 500"):
        rasa.parse("oi", NOW)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nothing_listening_names_the_url() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with (
        RasaInterpreter(url, timeout=1.0) as rasa,
        pytest.raises(RasaUnavailable, match=re.escape(url) + ".*unreachable"),
    ):
        rasa.parse("vou pagar sexta", NOW)


def test_a_silent_server_times_out() -> None:
    with socket.socket() as server:  # accepts connections, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        started = time.perf_counter()
        with (
            RasaInterpreter(url, timeout=0.3) as rasa,
            pytest.raises(RasaUnavailable, match=re.escape(url) + ".*within 0.3 s"),
        ):
            rasa.parse("vou pagar sexta", NOW)
        assert time.perf_counter() - started < 2.0


REAL = pytest.mark.skipif(
    os.environ.get("QUITA_RASA_TESTS") != "1",
    reason="QUITA_RASA_TESTS=1 with a Rasa server (scripts/rasa/build_env.sh serve)",
)


@pytest.fixture(scope="module")
def real_rasa() -> Iterator[RasaInterpreter]:
    url = os.environ.get("QUITA_RASA_URL", "http://127.0.0.1:5005")
    rasa = RasaInterpreter(url, timeout=10.0)
    try:
        rasa.parse("oi", NOW)
    except RasaUnavailable as exc:
        rasa.close()
        pytest.fail(f"QUITA_RASA_TESTS=1 but no Rasa server: {exc}")
    yield rasa
    rasa.close()


@REAL
def test_real_rasa_server_parses(real_rasa: RasaInterpreter) -> None:
    parsed = real_rasa.parse("vou pagar 150 reais na sexta", NOW)
    assert parsed.intent == "promise_to_pay"
    assert parsed.value("date") == "2026-11-27"
    assert parsed.value("amount") == "150.00"
    assert 0.0 < parsed.confidence <= 1.0
    assert real_rasa.parse("quero falar com um atendente", NOW).intent == "request_human"


@REAL
def test_real_rasa_server_heldout(real_rasa: RasaInterpreter) -> None:
    cases, now = load_cases(Path(__file__).with_name("heldout.yml"))
    report = evaluate(real_rasa, cases, now or NOW)
    rates = report["rates"]
    print(
        f"rasa held-out: intent {report['accuracy']:.3f}, date {rates.get('date', 0):.3f}, "
        f"amount {rates.get('amount', 0):.3f}"
    )
    assert report["accuracy"] >= 0.8
    assert rates["date"] >= 0.9
    assert rates["amount"] >= 0.9
