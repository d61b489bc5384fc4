"""Repo (seed 004 §29–32): its instructions (services), what its pages and API read (reads),
the pages and the JSON API under /api/v1/market/repo."""
