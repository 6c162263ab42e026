"""Training: the loop (events, pause/stop), named presets, an experiment (data + network + recipe)
and its run folder on disk, the job queue the app trains through, prediction with a saved run, and
the classroom scenarios.
"""

from core.training.experiment import (
    Experiment,
    RunResult,
    experiment_from_dict,
    experiment_to_dict,
    run_experiment,
)
from core.training.loop import TrainConfig, TrainControl, TrainEvent, train
from core.training.presets import PRESET_NAMES, preset
from core.training.runs import Run, RunStore, load_run, load_snapshots

__all__ = [
    "PRESET_NAMES",
    "Experiment",
    "Run",
    "RunResult",
    "RunStore",
    "TrainConfig",
    "TrainControl",
    "TrainEvent",
    "experiment_from_dict",
    "experiment_to_dict",
    "load_run",
    "load_snapshots",
    "preset",
    "run_experiment",
    "train",
]
