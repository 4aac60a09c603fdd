"""Public API: read and edit runs after the fact."""
