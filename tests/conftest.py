"""Shared pytest configuration: fixtures live in plugin modules beside this file."""

# --- warehouse fixtures (owner: warehouse) -------------------------------------------
pytest_plugins = ["tests.warehouse_fixtures"]
# --- end warehouse fixtures -----------------------------------------------------------
# --- mail fixtures (owner: intake mailbox/outbox/mime) --------------------------------
pytest_plugins += ["tests.mail_fixtures"]
# --- end mail fixtures ----------------------------------------------------------------
# --- intake fixtures (owner: lead) ----------------------------------------------------
pytest_plugins += ["tests.intake_fixtures", "tests.prefect_fixtures"]
