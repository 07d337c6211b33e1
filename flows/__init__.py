"""Prefect flows: they only wire. Each task wraps a plain function from `intake` (or
`extractors`) that is tested without Prefect; tasks pass only plain values."""
