"""Mappings between third-party API shapes (Akismet, Perspective, Coral) and our domain types (no Flask)."""
