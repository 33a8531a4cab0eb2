from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "ewtp.market"
    label = "market"
    verbose_name = "Marketplace"
