"""Workbench: review, version and communicate amendments to authentication contracts."""

__version__ = "0.1.0"
