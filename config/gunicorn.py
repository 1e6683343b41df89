"""gunicorn settings: `gunicorn config.wsgi -c python:config.gunicorn`.

The app, the text index and the corpus are loaded once in the master, before
it forks its workers, which share those pages. Without this, each worker
loaded them on its first ranked page (a topic or a search of a signed-in
reader): 4 s with 106,413 papers, during which every request queued behind it
waited too.
"""

import logging

from gunicorn.arbiter import Arbiter

preload_app = True


def when_ready(server: Arbiter) -> None:
    from recommender.ranking import preload

    try:
        preload()
    except Exception:
        # A database that is still starting: each worker loads them when a
        # page first needs them, as without this file.
        logging.getLogger("paperfeed").exception("preloading the corpus failed")
