"""Signing instructions: SMS one-time codes and NCA (EDS) signatures."""
