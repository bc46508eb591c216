"""Settings of the floor measured by ``budgets_casting_load.py --floor``: the platform's
settings with a one-view URLconf (``budgets_floor_urls``) and, for ``--floor bare``, only the
session, common and CSRF middleware (``--floor platform`` keeps the platform's list)."""

import os

from parlons.platform.settings import *  # noqa: F403
from parlons.platform.settings import MIDDLEWARE

ROOT_URLCONF = "budgets_floor_urls"
if os.environ.get("PARLONS_FLOOR_MIDDLEWARE", "bare") == "bare":
    MIDDLEWARE = [name for name in MIDDLEWARE if name.rsplit(".", 1)[-1] in {
        "SessionMiddleware", "CommonMiddleware", "CsrfViewMiddleware"}]
