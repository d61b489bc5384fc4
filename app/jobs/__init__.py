"""Timed and long work, done by the worker process (`flask worker`) beside the web server.

A job is a row: the web request that asks for it commits it with the rest of its work, a
worker claims it (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer serialises
the claim), keeps a lease on it while it runs, and records the outcome. A worker killed
mid-job leaves its lease to run out; the next worker to look claims the job again.
"""
