"""The member firms' trading: the market pages (trading screen, quotes, orders, positions, direct
deals), the JSON API under /api/v1/market, and the services that send instructions to the
sequencer and read the projected tables."""
