"""Where tests find the shared folder: `../shared` beside the checkout (as in CI).

A missing shared folder is an error, never a quiet skip: the sample tests are part of
the contract.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "samples"
SPEC = SHARED / "spec"

if not SPEC.is_dir():  # pragma: no cover - a broken checkout
    raise RuntimeError(f"tests need the shared folder beside the checkout: {SHARED} is missing")
