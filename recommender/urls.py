from django.urls import path

from recommender import views

app_name = "recommender"
urlpatterns = [
    path("feed/status/", views.feed_status, name="feed_status"),
    path("feedback/<int:paper_id>/", views.feedback, name="feedback"),
    path("similar/<int:paper_id>/", views.similar, name="similar"),
    path("topics/<str:code>/follow/", views.follow, name="follow"),
    path("library/", views.library, name="library"),
    path("library/likes.bib", views.export_bibtex, name="export_bibtex"),
    path("library/likes.csv", views.export_csv, name="export_csv"),
    path("library/likes.json", views.export_json, name="export_json"),
    path("interests/", views.interests, name="interests"),
    path("interests/reset/", views.reset, name="reset"),
    path("onboarding/", views.onboarding, name="onboarding"),
]
