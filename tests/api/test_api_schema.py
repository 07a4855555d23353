"""The committed SDL matches the code, keeps every field of the core contract, and documents everything."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, build_schema

from api.schema import sdl

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT.parent / "shared" / "contracts" / "schema-core.graphql"


def test_committed_sdl_has_not_drifted() -> None:
    committed = (ROOT / "api" / "schema.graphql").read_text()
    assert committed == sdl(), "api/schema.graphql is stale: run `dtc schema > api/schema.graphql` and commit it"


def test_every_core_field_and_argument_is_served() -> None:
    # the core file names EventInput without spelling it out ("the event contract as an input type")
    core = build_schema(CORE.read_text() + "\nscalar DateTime\nscalar JSON\ninput EventInput { eventId: ID }\n")
    served = build_schema(sdl())
    for name, core_type in core.type_map.items():
        if name.startswith("__") or not isinstance(core_type, GraphQLObjectType) or name == "EventInput":
            continue
        ours = served.get_type(name)
        assert isinstance(ours, type(core_type)), name
        for field_name, core_field in core_type.fields.items():
            assert field_name in ours.fields, f"{name}.{field_name}"
            assert str(ours.fields[field_name].type) == str(core_field.type), f"{name}.{field_name}"
            for arg in getattr(core_field, "args", {}):
                assert arg in ours.fields[field_name].args, f"{name}.{field_name}({arg})"


def test_every_type_and_field_has_a_description() -> None:
    served = build_schema(sdl())
    for name, type_ in served.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        assert type_.description, f"type {name} has no description"
        if isinstance(type_, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                assert field.description, f"{name}.{field_name} has no description"
        if isinstance(type_, GraphQLEnumType):
            assert all(v.description for v in type_.values.values()), name
