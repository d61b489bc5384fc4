"""The client's personal cabinet: pages and API for a broker's natural-person clients."""
