"""Imports of runs logged by other tools (``runyard import …``), written to a store."""
