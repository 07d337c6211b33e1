"""Where the bundled run-time data lives (inside the installed package, read-only).

    data/register.csv               who is expected (a deployment loads its own)
    data/collections/<id>.toml      each collection's definition (RETURN-FORM.md as data)
    data/annex-c-*.{docx,pdf}       the official blank form
    data/demo/                      returns the first-run demo delivers as emails
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
BUNDLED_REGISTER = DATA_DIR / "register.csv"
COLLECTIONS_DIR = DATA_DIR / "collections"
DEMO_DIR = DATA_DIR / "demo"
