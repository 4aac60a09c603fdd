"""Exports of stored runs to Parquet and CSV (``runyard export``)."""
