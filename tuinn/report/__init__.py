"""Headless reporters: console lines, JSON lines, the final summary."""
