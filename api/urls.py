from django.urls import path

from api import views

app_name = "tokens"

urlpatterns = [
    path("", views.create, name="create"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
]
