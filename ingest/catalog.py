"""The catalog (reference data, ../shared/contracts/catalog.schema.json) from a YAML or JSON file into the graph.

Loading a catalog again upserts by code: an entry the events had created on the fly (`auto = true`) becomes a
catalog entry (`auto = false`), and relationships that changed (a touchpoint moved to another channel) are replaced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from graph.errors import InputError
from graph.ontology import EXPERIENCES, STAGES
from graph.store import GraphStore
from ingest.characters import check_characters

SECTIONS = ("personas", "channels", "touchpoints", "stakeholders", "frictions", "triggers", "actions", "competitors")
ACTION_KINDS = ("service", "product", "content", "contact")
MARKETING_KINDS = ("product", "content")  # actions that need marketing consent
QUADRANTS = ("think", "feel", "say", "do")

def load_yaml(text: str) -> Any:
    """YAML 1.2 (ruamel): PyYAML's YAML 1.1 scanner rejects plain text such as `[Will it suit me?]`."""
    return YAML(typ="safe", pure=True).load(text)


def read_yaml_file(path: Path, what: str) -> Any:
    """The YAML file `path` holding the user's `what` (e.g. "mapping"); InputError says why it cannot be read."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"Cannot read the {what} {path}: {e.strerror}; check the path.") from e
    except Exception as e:  # noqa: BLE001 - the YAML library's own errors; reported as one line
        raise InputError(f"The {what} {path} is not valid YAML: {e}") from e


def read_catalog(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The catalog file, checked against the catalog contract; InputError lists every problem with its place."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"Cannot read the catalog {path}: {e.strerror}; check the path.") from e
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else load_yaml(text)
    except (json.JSONDecodeError, YAMLError) as e:
        raise InputError(f"The catalog {path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                         f"{e}") from e
    data = data or {}
    if not isinstance(data, Mapping):
        raise InputError(f"The catalog {path} must be a mapping with sections such as personas and touchpoints.")
    problems: list[str] = []
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        problems.append(f"unknown section {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    catalog: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        entries = data.get(section) or []
        if not isinstance(entries, list):
            problems.append(f"{section} must be a list")
            continue
        catalog[section] = []
        for n, entry in enumerate(entries, start=1):
            where = f"{section}[{n}]"
            if not isinstance(entry, Mapping) or not isinstance(entry.get("code"), str) or not entry["code"].strip():
                problems.append(f"{where} needs a code")
                continue
            catalog[section].append(dict(entry))
            _check_entry(section, where, entry, problems)
            unstorable: list[str] = []
            check_characters(entry, unstorable)  # the rule of every row: a catalog entry is written the same way
            problems += [f"{where}.{reason.removeprefix('invalid_character: ')}" for reason in unstorable]
    if problems:
        raise InputError(f"The catalog {path} breaks the catalog contract: " + "; ".join(problems) + ".")
    return catalog


def _check_entry(section: str, where: str, entry: Mapping[str, Any], problems: list[str]) -> None:
    needs_name = section in ("personas", "stakeholders", "frictions", "triggers", "actions")
    if needs_name and not entry.get("name"):
        problems.append(f"{where} ({entry['code']}) needs a name")
    if section == "touchpoints":
        if not entry.get("channel"):
            problems.append(f"{where} ({entry['code']}) needs a channel")
        if entry.get("stage") is not None and entry["stage"] not in STAGES:
            problems.append(f"{where}.stage {entry['stage']!r} is not one of {', '.join(STAGES)}")
    if section == "channels" and entry.get("kind") is not None and entry["kind"] not in ("digital", "physical"):
        problems.append(f"{where}.kind {entry['kind']!r} is not digital or physical")
    if section == "stakeholders":
        for score in ("support", "influence"):
            value = entry.get(score)
            if value is not None and (not isinstance(value, int | float) or not 0 <= value <= 1):
                problems.append(f"{where}.{score} {value!r} is outside 0..1")
    if section == "actions":
        if entry.get("kind") is not None and entry["kind"] not in ACTION_KINDS:
            problems.append(f"{where}.kind {entry['kind']!r} is not one of {', '.join(ACTION_KINDS)}")
        if entry.get("when") is not None and entry["when"] not in EXPERIENCES:
            problems.append(f"{where}.when {entry['when']!r} is not one of {', '.join(EXPERIENCES)}")
    if section == "personas" and entry.get("empathy") is not None:
        empathy = entry["empathy"]
        if not isinstance(empathy, Mapping) or set(empathy) - set(QUADRANTS):
            problems.append(f"{where}.empathy must have only the quadrants {', '.join(QUADRANTS)}")


def load_catalog(store: GraphStore, path: Path) -> dict[str, int]:
    """Upsert the catalog into the graph; entries per section."""
    catalog = read_catalog(path)
    store.run("catalog-stages", {"rows": [{"name": s, "order": n} for n, s in enumerate(STAGES, start=1)]})
    store.run("catalog-stakeholders", {"rows": [_pick(s, "code", "name", "support", "influence", "concerns")
                                                for s in catalog["stakeholders"]]})
    store.run("catalog-channels", {"rows": [_pick(c, "code", "name", "kind") for c in catalog["channels"]]})
    store.run("catalog-touchpoints", {"rows": [_pick(t, "code", "name", "channel", "stage", "owner")
                                               for t in catalog["touchpoints"]]})
    personas = []
    for p in catalog["personas"]:
        row = _pick(p, "code", "name", "description", "goals", "pains")
        empathy = p.get("empathy") or {}
        row["insights"] = [{"id": f"{p['code']}:{quadrant}:{n}", "quadrant": quadrant, "text": str(text)}
                           for quadrant in QUADRANTS for n, text in enumerate(empathy.get(quadrant) or [], start=1)]
        personas.append(row)
    store.run("catalog-personas", {"rows": personas})
    store.run("catalog-frictions", {"rows": [_pick(f, "code", "name", "description", "touchpoint", "owner")
                                             for f in catalog["frictions"]]})
    store.run("catalog-triggers", {"rows": [_pick(t, "code", "name", "description") for t in catalog["triggers"]]})
    actions = []
    for a in catalog["actions"]:
        row = _pick(a, "code", "name", "kind", "trigger", "when", "description")
        row["purpose"] = "marketing" if a.get("kind") in MARKETING_KINDS else "service"
        actions.append(row)
    store.run("catalog-actions", {"rows": actions})
    store.run("catalog-competitors", {"rows": [_pick(c, "code", "name") for c in catalog["competitors"]]})
    return {section: len(entries) for section, entries in catalog.items()}


def _pick(entry: Mapping[str, Any], *names: str) -> dict[str, Any]:
    row = {name: entry.get(name) for name in names}
    row["code"] = str(entry["code"]).strip()
    return row
