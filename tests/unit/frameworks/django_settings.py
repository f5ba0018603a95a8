"""Django's settings for the tests of this process, configured once on import (Django
allows no more); each test applies its own on top with ``override_settings``."""

from __future__ import annotations

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests-only",  # noqa: S106 - not a secret
        ALLOWED_HOSTS=["*"],
        USE_I18N=True,
        LANGUAGE_CODE="en",
        LANGUAGES=[("en", "English"), ("fr", "French")],
    )
    django.setup()
