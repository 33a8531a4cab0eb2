from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ewtp.web"
    label = "web"
    verbose_name = "Web shell"
