"""Shipped data: policy profiles, templates, fonts, icons (loaded with importlib.resources)."""
