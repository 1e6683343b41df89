from django.urls import path, register_converter
from django.urls.converters import PathConverter

from papers import views


class AuthorNameConverter(PathConverter):
    # A name as a paper prints it, whatever it holds: one stored with a line
    # break, or blank, must still make a link (<path:> matches neither), or
    # every page listing its paper would fail.
    regex = "(?s:.*)"


register_converter(AuthorNameConverter, "author")

app_name = "papers"
urlpatterns = [
    # Before the papers' <path:>, which would take "fetch" for an id.
    path("papers/fetch/", views.fetch, name="fetch"),
    # <path:> because old-style ids hold a slash (hep-th/9901001).
    path("papers/<path:arxiv_id>/", views.paper_detail, name="paper"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<str:code>/", views.topic_detail, name="topic"),
    path("search/", views.search, name="search"),
    path("authors/<author:name>/", views.author_detail, name="author"),
]
