"""JSON Schemas: the input formats (made from load.fields) and the export format."""

from __future__ import annotations

import json
from typing import Any

from .load import fields as f

BASE = "https://bsc-site.invalid/schemas/"  # an identifier, never fetched


def _target() -> dict[str, Any]:
    one = {"oneOf": [{"type": "number"},
                     {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}]}
    return {"oneOf": [one["oneOf"][0], one["oneOf"][1],
                      {"type": "object", "propertyNames": {"pattern": r"^\d{4}(-[Qq][1-4]|-\d{2})?$"},
                       "additionalProperties": one}]}


def field_schema(spec: f.Field) -> dict[str, Any]:
    kind = spec.kind
    if kind == "text":
        out: dict[str, Any] = {"type": ["string", "number"]}
    elif kind == "id":
        out = {"type": "string", "pattern": f.ID_PATTERN}
    elif kind == "ids":
        item = {"type": "string", "pattern": f.ID_PATTERN}
        out = {"oneOf": [item, {"type": "array", "items": item}]}
    elif kind in ("number", "integer"):
        out = {"type": kind}
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
        if spec.maximum is not None:
            out["maximum"] = spec.maximum
    elif kind == "enum":
        out = {"enum": list(spec.choices)}
    elif kind == "date":
        out = {"type": "string", "format": "date"}
    elif kind == "series":
        out = _target()
    elif kind == "records":
        out = {"type": "array", "items": record_schema(spec.record)}
    elif kind == "record":
        out = record_schema(spec.record)
    else:  # pragma: no cover - fields.py and this function change together
        raise AssertionError(kind)
    out["description"] = spec.description
    if spec.default is not None:
        out["default"] = round(spec.default, 4) if isinstance(spec.default, float) else spec.default
    return out


def record_schema(record: f.Record) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "description": record.description,
        "properties": {spec.name: field_schema(spec) for spec in record.fields},
        "additionalProperties": False,
    }
    required = [spec.name for spec in record.fields if spec.required]
    if required:
        out["required"] = required
    return out


def _document(name: str, body: dict[str, Any], title: str) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}{name}.schema.json",
            "title": title, **body}


def evaluation_schema() -> dict[str, Any]:
    """The shape of `bsc export --format json` and of the site's JSON downloads."""
    number = {"type": ["number", "null"]}
    status = {"enum": ["on-track", "at-risk", "off-track", "no-data", "no-target"]}
    target = {"oneOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                               "maxItems": 2}, {"type": "null"}]}
    override = {"computed_status": status, "override_reason": {"type": ["string", "null"]}}
    rollup = {"score": number, "status": status, **override, "counted": {"type": "integer"},
              "total": {"type": "integer"},
              "explanation": {"type": "string"}}
    value = {"period": {"type": "string"}, "actual": number, "target": target, "red_flag": target,
             "red_flag_defaulted": {"type": "boolean"}, "variance": number, "score": number, "status": status,
             **override,
             "basis": {"type": "string"}, "explanation": {"type": "string"}, "note": {"type": "string"}}
    history = {"type": "object", "required": ["period", "actual", "target", "score", "status"],
               "properties": {"period": {"type": "string"}, "actual": number, "target": target, "score": number,
                              "status": status}}

    def obj(props: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "required": list(props), "properties": props}

    text = {"type": "string"}
    maybe_text = {"type": ["string", "null"]}
    ids = {"type": "array", "items": text}
    kpi = obj({"id": text, "name": text, "definition": maybe_text, "description": text, "unit": text,
               "decimals": {"type": "integer"}, "direction": {"enum": ["higher", "lower", "range"]},
               "frequency": {"enum": ["monthly", "quarterly", "annual"]},
               "aggregation": {"enum": ["sum", "average", "last"]}, "indicator": {"enum": ["leading", "lagging"]},
               "baseline": number, "weight": {"type": "number"}, "owner": text, "data_source": text, **value,
               "trend": {"enum": ["improving", "worsening", "steady", None]},
               "year_to_date": {"oneOf": [obj(value), {"type": "null"}]},
               "history": {"type": "array", "items": history}})
    objective = obj({"id": text, "name": text, "perspective": text, "theme": maybe_text, "owner": text,
                     "description": text, "weight": {"type": "number"}, "drives": ids, "supports": ids, **rollup,
                     "kpis": {"type": "array", "items": kpi}})
    initiative = obj({"id": text, "name": text, "owner": text, "description": text, "objectives": ids,
                      "start": maybe_text, "end": maybe_text, "budget": number, "currency": text, "status": text,
                      "progress": {"type": "number"}})
    unit = obj({"id": text, "name": text, "parent": maybe_text, "owner": text, "description": text,
                "strategy": text, "ancestors": ids, "children": ids, **rollup,
                "perspectives": {"type": "array", "items": obj({"id": text, "name": text, **rollup})},
                "omitted_perspectives": {"type": "array", "items": obj({"perspective": text, "reason": text})},
                "objectives": {"type": "array", "items": objective},
                "initiatives": {"type": "array", "items": initiative}})
    body = obj({
        "format": {"const": "bsc-site/evaluation/1"},
        "organization": obj({"name": text, "vision": text, "mission": text, "strategy": text,
                             "fiscal_year_start": {"type": "integer"}, "review_cadence": text}),
        "period": text, "review_periods": ids,
        "perspectives": {"type": "array", "items": obj({"id": text, "name": text, "question": text,
                                                        "weight": {"type": "number"}})},
        "themes": {"type": "array", "items": obj({"id": text, "name": text, "description": text})},
        "units": {"type": "array", "items": unit},
    })
    return _document("evaluation", body, "bsc-site evaluated scorecards")


def all_schemas() -> dict[str, dict[str, Any]]:
    return {
        "organization": _document("organization", record_schema(f.ORGANIZATION), "bsc-site organization.yml"),
        "unit": _document("unit", record_schema(f.UNIT), "bsc-site unit file"),
        "review": _document("review", record_schema(f.REVIEW), "bsc-site review file"),
        "actuals": _document("actuals", {"type": "array", "items": record_schema(f.ACTUAL)},
                             "bsc-site actuals (YAML)"),
        "evaluation": evaluation_schema(),
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
