"""Upload size limits applied while the request body is read, not after.

Django keeps an uploaded file whole (in memory, or a temporary file) before a
form sees its size. `limit_upload_size` puts `UploadSizeLimit` first among the
view's upload handlers: it passes a file on until the file passes the limit,
then drops the rest of its chunks, and hands the form a `TooLargeUpload` that
has the size the file reached and no content, so the form's own size check
tells the reader. The fields after the file still arrive (`StopUpload` would
lose them), so the rest of the form is kept.
"""

import io
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from recommender.bibtex.reading import MAX_BYTES


class TooLargeUpload(UploadedFile):  # type: ignore[type-arg]  # not generic at run time
    """Stands in for a file that passed the limit: its size, none of its bytes."""

    def __init__(self, handler: FileUploadHandler, size: int) -> None:
        super().__init__(
            file=io.BytesIO(),
            name=handler.file_name,
            content_type=handler.content_type,
            size=size,
            charset=handler.charset,
            content_type_extra=handler.content_type_extra,
        )


class UploadSizeLimit(FileUploadHandler):
    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.max_bytes:
            return None  # the handlers after this one never see the chunk
        return raw_data

    def file_complete(self, file_size: int) -> "UploadedFile[Any] | None":
        if file_size > self.max_bytes:
            return TooLargeUpload(self, file_size)
        return None  # the next handler has the whole file


def limit_upload_size[View: Callable[..., HttpResponse]](
    max_bytes: int = MAX_BYTES,
) -> Callable[[View], View]:
    """Limit each file uploaded to the view to `max_bytes` as it arrives."""

    def decorator(view: View) -> View:
        # CSRF checks read the body, so they run after the handler is in place.
        protected = csrf_protect(view)

        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            request.upload_handlers = [
                UploadSizeLimit(request, max_bytes),
                *request.upload_handlers,
            ]
            return protected(request, *args, **kwargs)

        return cast(View, csrf_exempt(limited))

    return decorator
