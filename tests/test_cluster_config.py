"""The cluster launcher configuration of the `full` profile is valid for Ray's launcher."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import ray
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_cluster_config_follows_rays_own_schema():
    config = yaml.safe_load((ROOT / "cluster" / "ray-aws.yaml").read_text())
    schema_path = Path(ray.__file__).parent / "autoscaler" / "ray-schema.json"
    jsonschema.validate(config, json.loads(schema_path.read_text()))
    assert config["head_node_type"] in config["available_node_types"]
    assert any("'.[cluster]'" in c for c in config["setup_commands"])
    assert any("ray start --head" in c for c in config["head_start_ray_commands"])


def test_the_schema_check_can_fail():
    """Guard against a vacuous pass: a config without a provider is refused."""
    config = yaml.safe_load((ROOT / "cluster" / "ray-aws.yaml").read_text())
    del config["provider"]
    schema_path = Path(ray.__file__).parent / "autoscaler" / "ray-schema.json"
    try:
        jsonschema.validate(config, json.loads(schema_path.read_text()))
    except jsonschema.ValidationError:
        return
    raise AssertionError("a config without a provider passed the schema")
