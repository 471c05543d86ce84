"""``meta.k8s.io/v1`` Table output, what ``kubectl get`` asks for with
``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``. Each row's ``object`` is the object's
PartialObjectMetadata unless the request says ``includeObject=Object`` (whole object) or ``None`` (no object)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubecopilot.sandbox.kubeapi.columns import Column, columns_for

Obj = dict[str, Any]

_DESCRIPTIONS = {
    "Name": "Name must be unique within a namespace.",
    "Age": "CreationTimestamp is a timestamp representing the server time when this object was created.",
}
_INTEGER_HEADERS = {"Desired", "Current", "Up-to-date", "Available", "Data", "Active", "MinPods", "MaxPods", "Replicas", "Count"}


def column_definitions(columns: list[Column]) -> list[dict[str, Any]]:
    return [{"name": header, "type": "integer" if header in _INTEGER_HEADERS else "string",
             "format": "name" if header == "Name" else "", "description": _DESCRIPTIONS.get(header, header),
             "priority": priority}
            for header, priority, _ in columns]


def row_object(obj: Obj, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def table(kind: str, items: list[Obj], now: datetime, resource_version: str, include: str = "Metadata",
          headers: bool = True) -> Obj:
    columns = columns_for(kind)
    rows = []
    for obj in items:
        row: Obj = {"cells": [cell(obj, now) for _, _, cell in columns]}
        embedded = row_object(obj, include)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": column_definitions(columns) if headers else [], "rows": rows}
