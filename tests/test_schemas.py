"""The JSON Schemas: generated from the loader's own field definitions, and true of real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from bsc_site import export, schema
from bsc_site.load.text import find_files
from bsc_site.project import open_project
from bsc_site.status.evaluate import evaluate

REPO = Path(__file__).resolve().parent.parent


class JsonLikeLoader(yaml.SafeLoader):
    """YAML as an editor's schema validator sees it: dates stay text."""


JsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str):
    return yaml.load(text, Loader=JsonLikeLoader)


def test_committed_schemas_are_the_generated_ones():
    """Refresh with: bsc schema --out schemas --force"""
    for name, document in schema.all_schemas().items():
        committed = (REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
        assert committed == schema.dumps(document), f"schemas/{name}.schema.json is stale"


def test_schemas_are_valid_json_schemas():
    for document in schema.all_schemas().values():
        jsonschema.Draft202012Validator.check_schema(document)


def test_example_files_satisfy_their_schemas_and_name_them():
    schemas = schema.all_schemas()
    org_file = REPO / "scorecards" / "organization.yml"
    jsonschema.validate(load_yaml(org_file.read_text(encoding="utf-8")), schemas["organization"])
    units = find_files(REPO / "scorecards" / "units", (".yml",))
    assert units
    for path in units:
        text = path.read_text(encoding="utf-8")
        jsonschema.validate(load_yaml(text), schemas["unit"])
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == (REPO / "schemas" / "unit.schema.json").resolve(), f"{path}: schema comment points at {target}"


def test_schema_rejects_what_the_loader_rejects():
    unit = schema.all_schemas()["unit"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "Bad Id", "name": "x"}, unit)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "ok", "name": "x", "owmer": "typo"}, unit)


@pytest.fixture(scope="module")
def evaluation():
    project = open_project(REPO / "scorecards")
    assert project.ok
    return evaluate(project.scorecards, project.period)


def test_export_json_validates_against_its_schema(evaluation):
    data = json.loads(export.dumps(export.evaluation_json(evaluation)))
    jsonschema.validate(data, schema.all_schemas()["evaluation"])
    assert data["period"] == evaluation.period.label
    assert [u["id"] for u in data["units"]] == [u.id for u in evaluation.scorecards.units]


def test_export_cli_is_byte_stable_and_keeps_key_order(tmp_path):
    runs = [subprocess.run([sys.executable, "-m", "bsc_site.cli", "export", str(REPO / "scorecards"), "--format", fmt],
                           capture_output=True, text=True, check=True).stdout
            for fmt in ("json", "json", "csv", "csv")]
    assert runs[0] == runs[1] and runs[2] == runs[3]
    keys = list(json.loads(runs[0]).keys())
    assert keys == ["format", "organization", "period", "review_periods", "perspectives", "themes", "units"]
    header = runs[2].splitlines()[0].split(",")
    assert header == list(export.CSV_COLUMNS)
