"""Organising files: naming template, safe names, safe moves with a journal, NFO files."""
