"""Signals other apps may subscribe to (e.g. assistance reviews when a recipient dies or leaves).

`resident_status_changed` is sent after the transaction commits, with keyword arguments
`resident`, `old_status`, `new_status`, `on` (the date) and `actor`."""

from django.dispatch import Signal

resident_status_changed = Signal()
