"""The broker's back office: its natural-person clients, their ledger, and the reconciliation
of their sub-accounts with the firm's aggregated client account on the desk's market."""
