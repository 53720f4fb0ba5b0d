"""Widgets of the Textual app, one per panel."""
