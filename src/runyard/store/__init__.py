"""Tracking stores: the `TrackingStore` interface, its backends and the URI registry."""
