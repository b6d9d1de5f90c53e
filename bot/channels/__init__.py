"""Channel adapters: Telegram, Twilio (WhatsApp, SMS), the web simulator and a test channel.

Each adapter holds its SDK as a member, parses the provider's requests into our frozen
dataclasses and sends an ``OutboundMessage``. No business logic lives here.
"""
