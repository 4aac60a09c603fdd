"""Artifacts: versioned files (datasets, models) with lineage, as wandb's ``Artifact``.

:class:`~runyard.artifacts.artifact.Artifact` is reached through the facade
(``runyard.Artifact``); nothing here is imported by ``import runyard``.
"""
