"""core.config: one to/from-dict rule for every settings dataclass, old config.json included."""

from __future__ import annotations

import json

import pytest

from core.config import from_dict, to_dict
from core.errors import LabError
from core.training.loop import TrainConfig
from core.training.presets import preset


def test_training_settings_round_trip_through_json():
    cfg = TrainConfig(loss="l1", optimizer="sgd", lr=0.01, momentum=0.9, target_accuracy=0.9)
    assert from_dict(TrainConfig, json.loads(json.dumps(to_dict(cfg))), "training") == cfg


def test_a_stored_config_json_reads_back_with_whole_floats_and_missing_fields():
    exp = preset("fast")
    stored = json.loads(json.dumps(to_dict(exp.train)))
    stored["epochs"] = float(stored["epochs"])  # as some JSON writers store 3
    del stored["max_seconds"]  # written before the field existed
    cfg = from_dict(TrainConfig, stored, "training")
    assert cfg == exp.train and isinstance(cfg.epochs, int)


def test_unknown_or_malformed_settings_are_sentences():
    with pytest.raises(LabError, match="Unknown training setting.*epoks.*known ones are loss"):
        from_dict(TrainConfig, {"epoks": 3}, "training")
    with pytest.raises(LabError, match="training settings must be a JSON object"):
        from_dict(TrainConfig, [("epochs", 3)], "training")
    with pytest.raises(LabError, match="epoch"):
        from_dict(TrainConfig, {"epochs": 0}, "training")
