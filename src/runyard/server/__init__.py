"""The HTTP server: a FastAPI app over a `TrackingStore`, serving ``/api/v1`` and the web app."""
