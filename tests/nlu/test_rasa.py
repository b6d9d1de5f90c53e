"""The Rasa backend: against a stand-in transport always, a real server when opted in."""

from __future__ import annotations

import json
import os
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


@pytest.mark.skipif(os.environ.get("QUITA_RASA_TESTS") != "1", reason="QUITA_RASA_TESTS=1")
def test_real_rasa_server() -> None:
    url = os.environ.get("QUITA_RASA_URL", "http://127.0.0.1:5005")
    rasa = RasaInterpreter(url, timeout=10.0)
    cases, now = load_cases(Path(__file__).with_name("heldout.yml"))
    report = evaluate(rasa, cases, now or NOW)
    print(f"rasa held-out intent accuracy {report['accuracy']:.3f}")
    assert report["accuracy"] >= 0.8
