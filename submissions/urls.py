from django.urls import path

from submissions import views

app_name = "submissions"
urlpatterns = [
    path("submissions/", views.submit, name="submit"),
    path("submissions/day/", views.day_section, name="day"),
    path("submissions/<int:pk>/note/", views.edit_note, name="edit_note"),
    path("submissions/<int:pk>/remove/", views.remove, name="remove"),
]
