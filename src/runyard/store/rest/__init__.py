"""The one client for a Runyard server: the store, run files and login over one
HTTP client and one retry policy.

- :mod:`~runyard.store.rest.client`: ``RestClient`` (httpx, credentials, the
  ``X-Runyard-Client`` header) and ``RetryPolicy`` (tenacity);
- :mod:`~runyard.store.rest.store`: ``HttpStore``, the ``TrackingStore`` that
  ``open_store("https://…")`` gives;
- :mod:`~runyard.store.rest.blobs`: ``HttpBlobStore``, a run's files through the
  server (``open_blobs("https://…")``);
- :mod:`~runyard.store.rest.login`: ``verify_key`` for ``runyard login``.

Nothing here is imported by ``import runyard`` (httpx and tenacity load with it).
"""
