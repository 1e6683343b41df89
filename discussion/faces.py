"""The part of a comment that is the same for every reader: its author,
date and text (or the note that replaces a deleted or hidden one), and the
Report link every signed-in reader but its author gets. A page of
hundreds of comments renders each once per version and keeps it in the
cache, as papers.cards does for cards; one look-up fetches them all."""

import hashlib
from collections.abc import Sequence

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from discussion.models import Comment

FACE_TEMPLATE = "discussion/_comment_face.html"
FACE_SECONDS = 86400


def _key(comment: Comment) -> str:
    # Whatever the face shows is in its key: an edit, a deletion, hiding
    # (staff see the text, readers a note), a renamed author.
    version = (
        f"{comment.edited_at}:{comment.deleted_at}:{comment.hidden_at}:"
        f"{comment.gone}:{comment.reportable}:{comment.author.username}"  # type: ignore[attr-defined]
    )
    digest = hashlib.md5(version.encode(), usedforsecurity=False).hexdigest()
    return f"comment-face:{comment.pk}:{digest}"


def attach_faces(comments: Sequence[Comment]) -> None:
    """Set `comment.face` (escaped HTML) on each of `comments`."""
    keys = {_key(comment): comment for comment in comments}
    found = cache.get_many(list(keys))
    rendered = {
        key: render_to_string(FACE_TEMPLATE, {"comment": comment})
        for key, comment in keys.items()
        if key not in found
    }
    cache.set_many(rendered, FACE_SECONDS)
    for key, comment in keys.items():
        # Rendered by our template, which escapes all but the stored HTML of
        # discussion.text.
        comment.face = mark_safe(found.get(key) or rendered[key])  # type: ignore[attr-defined]  # noqa: S308
