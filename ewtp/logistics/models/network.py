"""The network: hubs, the carriers that serve them, the lanes they run and their rate tables.

A route is first mile (seller's country -> origin hub), line-haul (hub -> hub, air/sea/road) and
last mile (destination hub -> buyer's country). Each is a `Lane` run by one carrier; its price comes
from the carrier's `RateTable` in force on the day, by weight break, in the carrier's currency."""

from __future__ import annotations

from django.db import models

from ewtp.accounts.models import Organisation


class Hub(models.Model):
    code = models.CharField(max_length=8, unique=True)  # IATA city code, e.g. HGH, KUL, LGG
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2)
    city = models.CharField(max_length=80)
    latitude = models.DecimalField(max_digits=8, decimal_places=5)
    longitude = models.DecimalField(max_digits=8, decimal_places=5)
    # EPCIS read point / business location identifier (an SGLN URN or the hub's own URI)
    location_id = models.CharField(max_length=120)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Carrier(models.Model):
    HUB = "EWTPHUB"  # the hub itself as a carrier organisation: its own scans (code table ewtp_hub)

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="carriers")
    code_table = models.CharField(max_length=32)  # which raw-status table maps its codes (data/codes/*.csv)
    # liability per kg for loss or damage (e.g. the Montreal Convention's SDR limit, in the carrier currency)
    currency = models.CharField(max_length=3)
    liability_per_kg = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    def __str__(self) -> str:
        return self.name


class Lane(models.Model):
    FIRST_MILE, LINE_HAUL, LAST_MILE = "first_mile", "line_haul", "last_mile"
    KINDS = [(FIRST_MILE, "First mile"), (LINE_HAUL, "Line-haul"), (LAST_MILE, "Last mile")]
    AIR, SEA, ROAD = "air", "sea", "road"
    MODES = [(AIR, "Air"), (SEA, "Sea"), (ROAD, "Road")]

    kind = models.CharField(max_length=12, choices=KINDS)
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="lanes")
    mode = models.CharField(max_length=8, choices=MODES)
    # first mile: from_country -> to_hub; line-haul: from_hub -> to_hub; last mile: from_hub -> to_country
    from_hub = models.ForeignKey(Hub, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_hub = models.ForeignKey(Hub, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_country = models.CharField(max_length=2)
    to_country = models.CharField(max_length=2)
    transit_days = models.DecimalField(max_digits=5, decimal_places=1)  # published, before measurements
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "from_country", "to_country"])]

    def __str__(self) -> str:
        a = self.from_hub.code if self.from_hub_id else self.from_country
        b = self.to_hub.code if self.to_hub_id else self.to_country
        return f"{self.kind} {a}->{b} {self.mode} ({self.carrier_id})"


class RateTable(models.Model):
    lane = models.ForeignKey(Lane, on_delete=models.PROTECT, related_name="rate_tables")
    currency = models.CharField(max_length=3)  # the carrier's currency
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)  # inclusive; None = until replaced
    volumetric_divisor = models.PositiveIntegerField(default=5000)  # cm3 per kg (IATA: 6000, couriers: 5000)
    source = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["lane", "effective_from"])]

    def __str__(self) -> str:
        return f"rates {self.lane_id} from {self.effective_from}"


class RateBreak(models.Model):
    """Price for chargeable weights up to `max_kg` (the smallest break that fits applies);
    the open-ended last break (max_kg None) charges `price` plus `per_kg` for each kg above
    the previous break."""

    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="breaks")
    max_kg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    per_kg = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["table", "max_kg"]

    def __str__(self) -> str:
        return f"up to {self.max_kg} kg: {self.price}"
