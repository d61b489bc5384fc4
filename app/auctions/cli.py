"""`flask auctions …`: the auction day's timed steps for a scheduler."""
from app.auctions import results
from app.placement.cli import advance_group

auctions_cli = advance_group("auctions", "Specialized auctions.", results, "confirmation window")
