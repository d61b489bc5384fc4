"""Specialized auctions and GKO placement (App.7), from the application to the results notice."""
