"""The pure domain core: standard library only, no framework, no database."""
