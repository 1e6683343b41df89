"""The site's settings with one address more, for floor (a) of the feed
benchmark (bench/floors.py): with DJANGO_SETTINGS_MODULE=bench.floor_site,
gunicorn serves every page of the site as with config.settings, through the
same middleware, and the floor (bench/floor_urls.py) as well, so that For you
and its floor are asked of the same workers on the same connections."""

from config.settings import *  # noqa: F403 (the site's settings, one address added)

ROOT_URLCONF = "bench.floor_urls"
