from django.urls import path

from airwaves.search import views

# Included at "search", so these are /search and /search/suggest.
urlpatterns = [
    path("", views.search, name="search"),
    path("/suggest", views.suggest, name="search-suggest"),
]
