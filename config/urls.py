from django.contrib import admin
from django.urls import include, path

from config.views import healthz
from recommender.views import home

handler500 = "config.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("healthz", healthz, name="healthz"),
    # The public daily papers, or a signed-in reader's feed: see recommender.views.
    path("", home, name="home"),
    path("", include("recommender.urls")),
    path("", include("papers.urls")),
]
