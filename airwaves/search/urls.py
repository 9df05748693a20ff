from django.urls import path

from airwaves.search import views

urlpatterns = [
    path("search", views.search, name="search"),
    path("search/suggest", views.suggest, name="search-suggest"),
]
