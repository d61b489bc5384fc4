"""The feature's routes, all registered: importing each route module adds its views to the
blueprints of app.auctions.blueprint, which the factory registers from here."""
from app.auctions import api, bid_views, result_views, views
from app.auctions.blueprint import api_bp, bp

ROUTE_MODULES = (api, bid_views, result_views, views)
__all__ = ["api_bp", "bp"]
