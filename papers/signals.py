"""Signals other apps may listen to; the catalogue knows nothing of them."""

from django.dispatch import Signal

# Sent once after papers were added or changed (by an import or a fetch).
catalogue_changed = Signal()
