"""Integrations with training frameworks, each in its own subpackage.

Integrations use only the public facade (``import runyard``), as users' code does,
and import their framework only when one of their names is first used.
"""
