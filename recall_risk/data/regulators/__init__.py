"""Bundled reference tables for the regulator importers (manufacturer map, sales)."""
