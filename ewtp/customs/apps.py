from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "ewtp.customs"
    label = "customs"
    verbose_name = "Customs single window"
    default_auto_field = "django.db.models.BigAutoField"
