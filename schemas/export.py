"""JSON Schema of the canonical return, made specific to one collection.

The pydantic model keeps `sections` generic (a collection is data); the exported
schema names each of the collection's sections and its shape, so consumers of the
JSON see exactly which keys to expect. `schemas/return.schema.json` is this output
for the bundled collection (a test keeps it current).
"""

from __future__ import annotations

from typing import Any

from schemas.canonical import BoxedSection, ItemsSection, Return
from schemas.collection import Collection


def json_schema(collection: Collection) -> dict[str, Any]:
    schema = Return.model_json_schema()
    defs = schema.setdefault("$defs", {})
    defs.setdefault("BoxedSection", BoxedSection.model_json_schema(ref_template="#/$defs/{model}"))
    defs.setdefault("ItemsSection", ItemsSection.model_json_schema(ref_template="#/$defs/{model}"))
    for d in list(defs.values()):
        d.pop("$defs", None)
    schema["title"] = f"{collection.title} ({collection.id})"
    schema["properties"]["collection"] = {"const": collection.id, "title": "Collection"}
    schema["properties"]["sections"] = {
        "type": "object",
        "title": "Sections",
        "additionalProperties": False,
        "required": [s.key for s in collection.sections],
        "properties": {
            s.key: {
                "$ref": "#/$defs/BoxedSection" if s.kind == "boxes" else "#/$defs/ItemsSection",
                "description": f"{s.number}. {s.title}",
            }
            for s in collection.sections
        },
    }
    schema["properties"]["services"]["items"] = {"enum": list(collection.service_keys)}
    return schema
