from django.urls import path, register_converter

from airwaves.artwork import views


class KeyConverter:
    regex = "[0-9a-f]{32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KeyConverter, "artwork_key")

urlpatterns = [
    path("<artwork_key:key>/<int:size>.<str:fmt>", views.thumbnail, name="artwork-thumbnail"),
]
