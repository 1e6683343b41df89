from django.urls import path

from papers import views

app_name = "papers"
urlpatterns = [
    # Before the papers' <path:>, which would take "fetch" for an id.
    path("papers/fetch/", views.fetch, name="fetch"),
    # <path:> because old-style ids hold a slash (hep-th/9901001).
    path("papers/<path:arxiv_id>/", views.paper_detail, name="paper"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<str:code>/", views.topic_detail, name="topic"),
    path("search/", views.search, name="search"),
    path("authors/<path:name>/", views.author_detail, name="author"),
]
