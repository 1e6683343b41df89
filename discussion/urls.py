from django.urls import path

from discussion import views

app_name = "discussion"
urlpatterns = [
    path("discussion/<int:paper_id>/post/", views.post, name="post"),
    path("discussion/<int:paper_id>/follow/", views.follow, name="follow"),
    path("discussion/comments/<int:pk>/edit/", views.edit, name="edit"),
    path("discussion/comments/<int:pk>/delete/", views.delete, name="delete"),
    path("discussion/comments/<int:pk>/reply/", views.reply, name="reply"),
    path("discussion/comments/<int:pk>/report/", views.report, name="report"),
    path("discussion/comments/<int:pk>/hide/", views.hide, name="hide"),
    path(
        "discussion/comments/<int:pk>/block-author/",
        views.block_author,
        name="block_author",
    ),
    path("discussion/replies/", views.replies, name="replies"),
    path("discussion/read/", views.mark_read, name="mark_read"),
]
