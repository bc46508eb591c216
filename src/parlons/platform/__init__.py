"""The Django shell of Parlons: apps that persist, authorize and present.

Business logic lives in each app's ``services`` (writes) and ``selectors`` (reads) and in
``parlons.core``; views stay thin; permissions are small named rules in each app's ``rules``.
"""

from parlons.platform.celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
