from django.apps import AppConfig


class RadioConfig(AppConfig):
    name = "airwaves.radio"
    label = "radio"
    verbose_name = "Live radio"
