"""``runyard demo``: log a small, seed-like project into the embedded store."""

from __future__ import annotations

import math
import random
from urllib.parse import quote

import runyard
from runyard.settings import Settings, display_uri

__all__ = ["run_demo"]


def run_demo(project: str = "demo", runs: int = 4, steps: int = 200) -> int:
    """Log ``runs`` runs of ``steps`` steps (loss/acc with min/max summaries)."""
    settings = Settings.from_env()
    paths = []
    for n in range(runs):
        lr = [0.1, 0.03, 0.01, 0.003][n % 4]
        config = {"learning_rate": lr, "batch_size": 32 * (1 + n % 2), "optimizer": "adam"}
        rng = random.Random(n)
        with runyard.init(
            project=project,
            config=config,
            name=f"lr-{lr}",
            reinit="create_new",
            settings={"quiet": True},  # the demo says where its runs are once, below
        ) as run:
            run.define_metric("loss", summary="min")
            run.define_metric("acc", summary="max")
            run.define_metric("epoch")
            run.define_metric("val/*", step_metric="epoch", summary="best", goal="minimize")
            for step in range(steps):
                progress = 1 - math.exp(-lr * 10 * (step + 1) / steps * 5)
                run.log(
                    {
                        "loss": (1 - progress) + rng.random() * 0.1,
                        "acc": progress * 0.9 + rng.random() * 0.05,
                        "train/grad_norm": rng.lognormvariate(0, 0.3),
                    }
                )
                if step % 20 == 19:
                    epoch = step // 20
                    run.log({"epoch": epoch, "val/loss": 1 - progress + rng.random() * 0.05})
            paths.append((run.path, run.summary["loss"], run.summary["acc"]))
    where = display_uri(settings.store_uri) if settings.remote else settings.root_dir
    print(f"runyard: logged {runs} runs to project {project!r} in {where}")
    for path, loss, acc in paths:
        print(f"  {path}  loss.min={loss['min']:.4f}  acc.max={acc['max']:.4f}")
    page = "/".join(quote(part, safe="") for part in (settings.entity, project))
    if settings.remote:
        print(f"See them in the web app: {settings.store_uri}/{page}")
    else:
        print(
            f"See them in the web app: run `{settings.ui_command()}`, "
            f"then open http://127.0.0.1:8765/{page}"
        )
    print("Read them back with: runyard.Api().runs(" + repr(f"{settings.entity}/{project}") + ")")
    return 0
