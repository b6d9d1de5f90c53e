"""Offer book loading and validation, plan maths, agreements and payment instructions.

Import from the modules: ``bot.offers.book`` (``load_offer_book``, ``OfferBook``),
``bot.offers.agreements``, ``bot.offers.pix`` and ``bot.offers.payments``.
"""
