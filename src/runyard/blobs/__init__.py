"""Blob storage: media, tensors, tables and run files."""
