"""``wandb.env``: the names of wandb's environment variables (Runyard reads them too)."""

from __future__ import annotations

__all__ = [
    "API_KEY",
    "BASE_URL",
    "DIR",
    "DISABLED",
    "ENTITY",
    "JOB_TYPE",
    "MODE",
    "NAME",
    "NOTES",
    "PROJECT",
    "RUN_GROUP",
    "RUN_ID",
    "SILENT",
    "TAGS",
]

API_KEY = "WANDB_API_KEY"
BASE_URL = "WANDB_BASE_URL"
DIR = "WANDB_DIR"
DISABLED = "WANDB_DISABLED"
ENTITY = "WANDB_ENTITY"
JOB_TYPE = "WANDB_JOB_TYPE"
MODE = "WANDB_MODE"
NAME = "WANDB_NAME"
NOTES = "WANDB_NOTES"
PROJECT = "WANDB_PROJECT"
RUN_GROUP = "WANDB_RUN_GROUP"
RUN_ID = "WANDB_RUN_ID"
SILENT = "WANDB_SILENT"
TAGS = "WANDB_TAGS"
