"""Settings for the test suite: the real settings, with a throwaway data directory.

DATA_DIR is set before the real settings load, so blobs, the filesystem broker and token files of
a test run never touch the operator's `var/`. Subprocesses started by tests (a Celery worker, the
mail daemon) inherit it through the environment.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="mailplatform-test-"))

from mailplatform.settings import *  # noqa: F403

# Web users' passwords are not what these tests examine; a fast hasher keeps fixtures quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Per-process cache: parallel test workers share DATA_DIR, and must not share throttle counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# argon2id at Dovecot's cost takes ~0.5 s a hash here; tests that are not about the scheme use a
# fast one. Tests of the default scheme set PASSWORD_SCHEME back explicitly.
PASSWORD_SCHEME = "SHA512-CRYPT"
# WhiteNoise warns on every request when the static directory is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
