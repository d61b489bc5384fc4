"""The exchange staff's market pages: the trading day, incoming balances, surveillance and halts,
and the end-of-day certificates."""
