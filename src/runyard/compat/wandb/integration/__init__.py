"""``wandb.integration``: framework callbacks (``keras``, ``xgboost``, ``lightgbm``)."""
