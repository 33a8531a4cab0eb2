from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "ewtp.rules"
    label = "rules"
    verbose_name = "Rules and reference data"
