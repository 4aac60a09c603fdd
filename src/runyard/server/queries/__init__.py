"""Read-side queries the routes answer with: grouping, parameter importance."""
