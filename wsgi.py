"""The WSGI entry point: `gunicorn wsgi:app`."""
import gc

from app import create_app

app = create_app()
# What the app built at start-up (routes, templates, models, translations) lives as long as the
# process: moved out of the collector's generations, it is not walked again by every full
# collection, which otherwise showed as 100–150 ms outliers in the reads' p99.
gc.freeze()
