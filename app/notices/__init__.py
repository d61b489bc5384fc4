"""The cabinet's notices: what happened to the client's orders and withdrawals, also by e-mail."""
