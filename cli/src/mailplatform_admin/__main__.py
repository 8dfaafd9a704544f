"""`python -m mailplatform_admin` runs the command."""

from __future__ import annotations

from mailplatform_admin.main import main

raise SystemExit(main())
