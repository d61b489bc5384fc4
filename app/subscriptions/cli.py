"""`flask subscriptions …`: the timed steps of subscriptions for a scheduler."""
from app.placement.cli import advance_group
from app.subscriptions import results

subscriptions_cli = advance_group("subscriptions", "Subscriptions and public offerings.", results, "bid period")
