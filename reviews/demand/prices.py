"""Prices of the consensus: the family's list price in force in the month x the channel's
factor, as the catalog resolves them (catalog.selectors.channel_prices)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from catalog.models import Channel, ProductFamily
from catalog.selectors import channel_prices
from reviews.demand import months

PRICE_QUANTUM = Decimal("0.0001")
MONEY_QUANTUM = Decimal("0.01")


class PriceBook:
    """Unit prices for family x channel x month over given months, from a fixed number of queries."""

    def __init__(self, periods: Sequence[dt.date]):
        self.index = {p: i for i, p in enumerate(periods)}
        by_code = channel_prices([months.label(p) for p in periods])
        fams = dict(ProductFamily.objects.values_list("code", "pk"))
        chans = dict(Channel.objects.values_list("code", "pk"))
        self.prices = {(fams[f], chans[c]): values for (f, c), values in by_code.items()}

    def price(self, family_id: int, channel_id: int, period: dt.date) -> Decimal:
        values = self.prices.get((family_id, channel_id))
        i = self.index.get(period)
        if values is None or i is None:
            return Decimal(0)
        return Decimal(values[i]).quantize(PRICE_QUANTUM)


def revenue(quantity: Decimal, price: Decimal) -> Decimal:
    return (Decimal(quantity) * Decimal(price)).quantize(MONEY_QUANTUM)
