from django.contrib import admin
from django.urls import include, path

from api.router import api
from config.views import healthz, home

handler500 = "config.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api.urls),
    path("settings/tokens/", include("api.urls")),
    path("healthz", healthz, name="healthz"),
    # The public daily papers, or a signed-in reader's tabs: see config.views.
    path("", home, name="home"),
    path("", include("recommender.urls")),
    path("", include("discussion.urls")),
    path("", include("submissions.urls")),
    path("", include("papers.urls")),
]
