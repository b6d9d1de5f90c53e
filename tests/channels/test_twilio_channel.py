"""The Twilio adapter: the real twilio client against the local REST stand-in; parsing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standins import Failure, TwilioStandIn, twilio_signature

from bot.channels.answers import numbered_text
from bot.channels.twilio import TwilioChannel, make_client
from bot.channels.twilio_parse import (
    MalformedWebhook,
    media_kind,
    parse_inbound,
    parse_status,
    signature_valid,
)
from bot.core.domain import Button, DeliveryStatus, OutboundMessage
from bot.core.enums import ChoiceKind
from bot.runtime.ports import SendError

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


@pytest.fixture
async def whatsapp(twilio_api: TwilioStandIn) -> AsyncIterator[TwilioChannel]:
    client, transport = make_client(
        twilio_api.account_sid, twilio_api.auth_token, base_url=twilio_api.url
    )
    channel = TwilioChannel(
        "whatsapp",
        client=client,
        transport=transport,
        from_number="+14155238886",
        templates={"overdue": "HX0000000000000000000000000000000a"},
        status_callback="https://quita.example/webhooks/twilio/status",
    )
    yield channel
    await channel.stop()


async def test_free_text(whatsapp: TwilioChannel, twilio_api: TwilioStandIn) -> None:
    result = await whatsapp.send(
        OutboundMessage(channel="whatsapp", address="+5511990000001", text="Olá, Maria")
    )
    [sent] = twilio_api.messages()
    assert sent["To"] == "whatsapp:+5511990000001"
    assert sent["From"] == "whatsapp:+14155238886"
    assert sent["Body"] == "Olá, Maria"
    assert sent["StatusCallback"] == "https://quita.example/webhooks/twilio/status"
    assert result.provider_id.startswith("SM")


async def test_template(whatsapp: TwilioChannel, twilio_api: TwilioStandIn) -> None:
    await whatsapp.send(
        OutboundMessage(
            channel="whatsapp",
            address="+5511990000001",
            text="rendered text",
            template="overdue",
            template_vars={"1": "Maria", "2": "R$ 600,00"},
        )
    )
    [sent] = twilio_api.messages()
    assert sent["ContentSid"] == "HX0000000000000000000000000000000a"
    assert json.loads(sent["ContentVariables"]) == {"1": "Maria", "2": "R$ 600,00"}
    assert "Body" not in sent


async def test_unmapped_template_fails_permanently(
    whatsapp: TwilioChannel, twilio_api: TwilioStandIn
) -> None:
    message = OutboundMessage(channel="whatsapp", address="+55", text="x", template="nope")
    with pytest.raises(SendError, match="no approved WhatsApp template") as caught:
        await whatsapp.send(message)
    assert caught.value.transient is False
    assert twilio_api.calls == []


@pytest.mark.parametrize(
    ("failure", "transient", "retry_after", "code"),
    [
        (Failure(429, retry_after=3), True, 3.0, "20429"),
        (Failure(500), True, None, "20500"),
        (Failure(503), True, None, "20500"),
        (Failure(400, code=63016, description="outside window"), False, None, "63016"),
        (Failure(400, code=21211, description="invalid To"), False, None, "21211"),
    ],
)
async def test_errors(
    whatsapp: TwilioChannel,
    twilio_api: TwilioStandIn,
    failure: Failure,
    transient: bool,
    retry_after: float | None,
    code: str,
) -> None:
    twilio_api.fail_next(1, failure)
    with pytest.raises(SendError) as caught:
        await whatsapp.send(OutboundMessage(channel="whatsapp", address="+55119", text="x"))
    assert (caught.value.transient, caught.value.retry_after, caught.value.code) == (
        transient,
        retry_after,
        code,
    )


async def test_unreachable_is_transient() -> None:
    client, transport = make_client("AC" + "1" * 32, "t", base_url="http://127.0.0.1:9")
    sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
    with pytest.raises(SendError) as caught:
        await sms.send(OutboundMessage(channel="sms", address="+5511", text="x"))
    transport.close()
    assert caught.value.transient is True


def test_options_become_numbered_lines() -> None:
    buttons = (Button("À vista", "a"), Button("3x", "b"))

    def text(body: str) -> str:
        return numbered_text(OutboundMessage("whatsapp", "+55", body, buttons=buttons))

    assert text("Escolha:") == "Escolha:\n\n1. À vista\n2. 3x"
    assert text("1. À vista\n2. 3x") == "1. À vista\n2. 3x"


@given(
    st.lists(
        st.sampled_from(["", " ", "  ", "\t"])
        .flatmap(lambda pad: st.sampled_from(["1", "2", "3", "10", "x"]).map(lambda n: pad + n))
        .flatmap(lambda head: st.sampled_from([") a", ". b", " c", ""]).map(lambda t: head + t)),
        max_size=6,
    ),
    st.integers(min_value=1, max_value=3),
)
def test_a_text_that_numbers_its_options_is_left_as_it_is(lines: list[str], count: int) -> None:
    """Options are numbered unless every number already starts a line ("2)" or "2.")."""
    body = "\n".join(lines)
    buttons = tuple(Button(f"opção {n}", str(n)) for n in range(1, count + 1))
    message = OutboundMessage(
        "whatsapp", "+55", body, buttons=buttons, choice_kind=ChoiceKind.OPTIONS
    )
    marks = [(f"{n})", f"{n}.") for n in range(1, count + 1)]
    already = all(any(line.lstrip().startswith(m) for line in lines) for m in marks)
    assert (numbered_text(message) == body) is already


def test_parse_whatsapp_inbound_with_voice_note() -> None:
    form = {
        "MessageSid": "SM1",
        "From": "whatsapp:+5511990000001",
        "To": "whatsapp:+14155238886",
        "Body": "",
        "NumMedia": "1",
        "MediaUrl0": "https://api.twilio.com/media/ME1",
        "MediaContentType0": "audio/ogg",
        "ProfileName": "Maria",
    }
    msg = parse_inbound(form, now=NOW)
    assert (msg.channel, msg.address, msg.provider_id) == ("whatsapp", "+5511990000001", "SM1")
    assert [(m.kind, m.url) for m in msg.media] == [("audio", "https://api.twilio.com/media/ME1")]
    assert msg.profile_name == "Maria"


def test_parse_sms_and_quick_reply() -> None:
    sms = parse_inbound({"MessageSid": "SM2", "From": "+15551234", "Body": "STOP"}, now=NOW)
    assert (sms.channel, sms.address, sms.text) == ("sms", "+15551234", "STOP")
    reply = parse_inbound(
        {
            "MessageSid": "SM3",
            "From": "whatsapp:+55",
            "ButtonPayload": "offer:3x",
            "ButtonText": "3x sem juros",
        },
        now=NOW,
    )
    assert (reply.button_payload, reply.text) == ("offer:3x", "3x sem juros")


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("audio/ogg", "audio"),
        ("image/jpeg", "image"),
        ("application/pdf", "document"),
        ("image/webp", "sticker"),
        ("video/mp4", "video"),
        (None, "other"),
    ],
)
def test_media_kinds(content_type: str | None, kind: str) -> None:
    assert media_kind(content_type) == kind


def test_parse_status() -> None:
    update = parse_status(
        {
            "MessageSid": "SM9",
            "MessageStatus": "undelivered",
            "ErrorCode": "63016",
            "From": "whatsapp:+14155238886",
            "To": "whatsapp:+55",
        },
        now=NOW,
    )
    assert (update.channel, update.status, update.error_code) == (
        "whatsapp",
        DeliveryStatus.UNDELIVERED,
        "63016",
    )
    with pytest.raises(MalformedWebhook):
        parse_status({"MessageSid": "SM9", "MessageStatus": "exploded"}, now=NOW)
    with pytest.raises(MalformedWebhook):
        parse_inbound({"Body": "x"}, now=NOW)


def test_signature() -> None:
    url = "https://quita.example/webhooks/twilio"
    form = {"MessageSid": "SM1", "From": "whatsapp:+55", "Body": "oi"}
    good = twilio_signature("tok", url, form)
    assert signature_valid("tok", url, form, good)
    assert not signature_valid("other", url, form, good)
    assert not signature_valid("tok", url, {**form, "Body": "forged"}, good)
    assert not signature_valid("tok", url, form, None)


YES_NO_SID = "HX" + "1" * 32
OPTIONS_3_SID = "HX" + "3" * 32


@pytest.fixture
async def interactive(twilio_api: TwilioStandIn) -> AsyncIterator[TwilioChannel]:
    client, transport = make_client(
        twilio_api.account_sid, twilio_api.auth_token, base_url=twilio_api.url
    )
    channel = TwilioChannel(
        "whatsapp",
        client=client,
        transport=transport,
        from_number="+14155238886",
        interactive={"yes_no": YES_NO_SID, "options_3": OPTIONS_3_SID},
    )
    yield channel
    await channel.stop()


def answers(kind: str, *titles: str) -> tuple[Button, ...]:
    return tuple(
        Button(title, f"{kind}:{n}", f"linha {n}") for n, title in enumerate(titles, start=1)
    )


async def test_yes_no_goes_as_the_configured_quick_reply(
    interactive: TwilioChannel, twilio_api: TwilioStandIn
) -> None:
    await interactive.send(
        OutboundMessage(
            "whatsapp",
            "+5511990000001",
            "Posso fechar o acordo?",
            buttons=(Button("Sim, pode fechar", "yes_no:yes"), Button("Não", "yes_no:no")),
            choice_kind="yes_no",
        )
    )
    [sent] = twilio_api.messages()
    assert sent["ContentSid"] == YES_NO_SID
    assert "Body" not in sent
    variables = json.loads(sent["ContentVariables"])
    assert variables["body"] == "Posso fechar o acordo?"
    assert (variables["title1"], variables["id1"]) == ("Sim, pode fechar", "yes_no:yes")
    assert (variables["title2"], variables["id2"]) == ("Não", "yes_no:no")
    assert all(value for value in variables.values())  # Twilio refuses empty variables


async def test_options_use_the_template_for_their_count_else_numbered_text(
    interactive: TwilioChannel, twilio_api: TwilioStandIn
) -> None:
    three = answers("options", "1. À vista R$ 600,00", "2. 3x de R$ 200,00", "3. 6x de R$ 110,00")
    await interactive.send(
        OutboundMessage(
            "whatsapp",
            "+55119",
            "Escolha",
            buttons=three,
            choice_kind="options",
            choices_button="Ver opções",
        )
    )
    await interactive.send(
        OutboundMessage("whatsapp", "+55119", "Escolha", buttons=three[:2], choice_kind="options")
    )
    listed, text = twilio_api.messages()
    assert listed["ContentSid"] == OPTIONS_3_SID
    variables = json.loads(listed["ContentVariables"])
    assert [variables[f"id{n}"] for n in (1, 2, 3)] == ["options:1", "options:2", "options:3"]
    assert (variables["button"], variables["desc2"]) == ("Ver opções", "linha 2")
    assert "ContentSid" not in text  # no template for two options: numbered text
    assert text["Body"] == "Escolha\n\n1. À vista R$ 600,00\n2. 3x de R$ 200,00"


async def test_without_a_content_sid_identity_asks_in_words(
    whatsapp: TwilioChannel, twilio_api: TwilioStandIn
) -> None:
    question = "Falo com Maria? Pode responder sim ou não."
    await whatsapp.send(
        OutboundMessage(
            "whatsapp",
            "+55119",
            question,
            buttons=answers("identity", "Sim, sou eu", "Não sou eu"),
            choice_kind="identity",
        )
    )
    [sent] = twilio_api.messages()
    assert sent["Body"] == question  # "1"/"2" would not be read as yes/no


def test_quick_reply_and_list_picker_taps_parse() -> None:
    base = {"MessageSid": "SM9", "From": "whatsapp:+5511990000001", "Body": ""}
    quick = parse_inbound(
        base | {"ButtonPayload": "yes_no:yes", "ButtonText": "Sim, pode fechar"}, now=NOW
    )
    listed = parse_inbound(base | {"ListId": "options:2", "ListTitle": "2. 3x"}, now=NOW)
    assert (quick.button_payload, quick.text) == ("yes_no:yes", "Sim, pode fechar")
    assert (listed.button_payload, listed.text) == ("options:2", "2. 3x")


def test_interactive_settings_refuse_unknown_kinds_and_sids() -> None:
    from pydantic import ValidationError

    from bot.config import TwilioSettings

    assert TwilioSettings(interactive={"options_3": OPTIONS_3_SID}).interactive
    with pytest.raises(ValidationError):
        TwilioSettings(interactive={"maybe": YES_NO_SID})
    with pytest.raises(ValidationError):
        TwilioSettings(interactive={"yes_no": "HXnotasid"})


async def test_sends_wait_on_twilio_side_by_side(
    whatsapp: TwilioChannel, twilio_api: TwilioStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sends wait on Twilio's round trips together, on the event loop: twelve are at the
    stand-in at once (one at a time, or six threads' worth, the barrier would break)."""
    import asyncio
    import threading

    together = threading.Barrier(12, timeout=10)
    threads: set[str] = set()
    handle = twilio_api.handle

    def held(verb: str, path: str, params: dict[str, Any], request: Any) -> Any:
        together.wait()
        return handle(verb, path, params, request)

    monkeypatch.setattr(twilio_api, "handle", held)
    loop_thread = threading.current_thread().name
    messages = [
        OutboundMessage(channel="whatsapp", address=f"+55119900000{n:02d}", text="Oi")
        for n in range(12)
    ]

    async def send(message: OutboundMessage) -> str:
        result = await whatsapp.send(message)
        threads.add(threading.current_thread().name)
        return result.provider_id

    sids = await asyncio.gather(*(send(m) for m in messages))
    assert len(set(sids)) == 12
    assert sorted(m["To"] for m in twilio_api.messages()) == sorted(
        f"whatsapp:{m.address}" for m in messages
    )
    assert threads == {loop_thread}  # no worker thread in between


async def test_sends_reuse_a_kept_alive_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """One connection serves sends one after another (HTTP/1.1 keep-alive), and a new one
    is opened once the kept one went idle past what servers keep open."""
    import asyncio

    from bot.bench.standins import TwilioRestStandIn
    from bot.channels import twilio_async

    stand_in = TwilioRestStandIn("AC" + "2" * 32, "token", port=0)
    await stand_in.start()
    opened: list[object] = []
    real_open = asyncio.open_connection

    async def counting_open(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        return await real_open(*args, **kwargs)

    monkeypatch.setattr(twilio_async.asyncio, "open_connection", counting_open)
    client, transport = make_client("AC" + "2" * 32, "token", base_url=stand_in.url)
    sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
    try:
        for n in range(5):
            await sms.send(OutboundMessage(channel="sms", address=f"+551199000{n:04d}", text="x"))
        assert len(opened) == 1
        monkeypatch.setattr(twilio_async, "IDLE_SECONDS", -1.0)  # as if idle a long time
        await sms.send(OutboundMessage(channel="sms", address="+5511990009999", text="y"))
        assert len(opened) == 2
    finally:
        await sms.stop()
        await stand_in.stop()
