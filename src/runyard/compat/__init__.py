"""The ``wandb`` compatibility distribution and its installer.

``runyard wandb-shim install`` copies the package in ``compat/wandb/`` into the
environment's site-packages as a distribution named ``wandb``
(:mod:`runyard.compat.shim`), so frameworks that import ``wandb`` or check for its
package metadata (Lightning, Transformers, accelerate, Ultralytics) log to Runyard.
"""
