"""``RunyardTracker``: accelerate's ``WandBTracker``, logging to Runyard without wandb.

accelerate picks trackers by name from a fixed table (``log_with="wandb"``), and
accepts any ``GeneralTracker`` instance besides; this is one, named ``"runyard"``:

    accelerator = Accelerator(log_with=RunyardTracker("my-project", name="run-1"))
    accelerator.init_trackers("my-project", config={"lr": 1e-3})
    accelerator.log({"loss": 0.5}, step=1)
    tracker = accelerator.get_tracker("runyard")   # .tracker: the Run (unwrap=True)
    tracker.log_table("preds", columns=["x", "y"], data=[[1, 2]])
    tracker.log_images({"samples": [array_hwc, pil_image]}, step=1)
    accelerator.end_training()                     # finishes the run

As with ``WandBTracker``, ``run_name`` is the project (accelerate passes its
``project_name`` there) and keyword arguments go to ``runyard.init``. ``start``
happens in ``init_trackers``, so an instance can be built before ``init``.
"""

from __future__ import annotations

from typing import Any

from accelerate.tracking import GeneralTracker, on_main_process  # type: ignore[import-untyped]

import runyard

__all__ = ["RunyardTracker"]


class RunyardTracker(GeneralTracker):  # type: ignore[misc]
    """An accelerate tracker that logs to a Runyard run.

    Args:
        run_name: the run's project (accelerate's name for it, as in ``WandBTracker``).
        **kwargs: passed to :func:`runyard.init` (``name``, ``config``, ``tags`` …).
    """

    name = "runyard"
    requires_logging_directory = False
    main_process_only = False  # as WandBTracker: each process decides (rank 0 logs)

    def __init__(self, run_name: str, **kwargs: Any) -> None:
        super().__init__()
        self.run_name = run_name
        self.init_kwargs = kwargs
        self.run: Any = None

    @on_main_process  # type: ignore[untyped-decorator]
    def start(self) -> None:
        """Start the run (``accelerator.init_trackers`` calls it)."""
        self.run = runyard.init(project=self.run_name, **self.init_kwargs)

    @property
    def tracker(self) -> Any:
        """The :class:`runyard.sdk.run.Run` (``get_tracker("runyard", unwrap=True)``)."""
        return self.run

    @on_main_process  # type: ignore[untyped-decorator]
    def store_init_configuration(self, values: dict[str, Any]) -> None:
        """Record ``values`` as the run's config (values may change, as in wandb)."""
        self.run.config.update(values, allow_val_change=True)

    @on_main_process  # type: ignore[untyped-decorator]
    def log(self, values: dict[str, Any], step: int | None = None, **kwargs: Any) -> None:
        """``run.log(values, step=step, **kwargs)``."""
        self.run.log(values, step=step, **kwargs)

    @on_main_process  # type: ignore[untyped-decorator]
    def log_images(self, values: dict[str, Any], step: int | None = None, **kwargs: Any) -> None:
        """Log each key's list of images (numpy HWC arrays, PIL images …) as ``Image``s."""
        for key, images in values.items():
            self.log({key: [runyard.Image(image) for image in images]}, step=step, **kwargs)

    @on_main_process  # type: ignore[untyped-decorator]
    def log_table(
        self,
        table_name: str,
        columns: list[str] | None = None,
        data: list[list[Any]] | None = None,
        dataframe: Any = None,
        step: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Log a :class:`runyard.Table` from ``columns`` + ``data`` or a ``dataframe``."""
        table = runyard.Table(columns=columns, data=data, dataframe=dataframe)
        self.log({table_name: table}, step=step, **kwargs)

    @on_main_process  # type: ignore[untyped-decorator]
    def finish(self) -> None:
        """Finish the run (``accelerator.end_training`` calls it)."""
        if self.run is not None:
            self.run.finish()
