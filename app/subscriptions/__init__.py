"""Subscriptions and public offerings (App.8): a seller's or the Ministry's offering, bids with
investor identity, the accepted and satisfied registers, deals and results."""
