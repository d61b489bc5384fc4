"""SMS and e-mail: queued in the caller's transaction, delivered by the worker through the
configured gateways, never twice."""
