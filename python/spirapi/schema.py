"""Dynamic schemas: named sets of typed fields with rules that validate the
records written under them, and that change with the data as their zone
allows (docs/SCHEMA.md).

Get a :class:`SchemaManager` from an open database (``db.schemas``). Records
are dicts of JSON values; they are written exactly (an int stays an int of
any size that fits 64 bits, a float reads back as the same float) and
strictly: NaN, infinity, non-str keys, sets, bytes and the like raise
InvalidArgumentError instead of being coerced.

Every method may be called from several threads at once; uniqueness holds
across threads. Errors are :class:`spirapi.Error` subclasses:
NotFoundError (schema or record), InvalidArgumentError listing every
violated field and rule (nothing is changed then), ConflictError when a
schema of that name exists; TypeError for an argument of the wrong type.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from spirapi import _checks, _spirapi
from spirapi._errors import InvalidArgumentError, InvalidTypeError


class SchemaZone(str, enum.Enum):
    """How a schema treats data it does not declare."""

    STRUCTURED = "structured"  #: unknown fields are refused; changes only by evolve
    FLEXIBLE = "flexible"      #: unknown fields are added with an inferred type
    EMERGENT = "emergent"      #: as flexible, and types widen as the data varies
    TEMPORAL = "temporal"      #: as structured, and every record keeps its history
    RELATIONAL = "relational"  #: as structured, and fields may reference records


class FieldType(str, enum.Enum):
    """The type of a field's values."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATETIME = "datetime"                    #: ISO 8601 text
    JSON = "json"                            #: any JSON value
    BLOB = "blob"                            #: standard base64 text
    PI_SEQUENCE = "pi_sequence"              #: decimal digits, optionally after "3."
    SPIRAL_COORDINATE = "spiral_coordinate"  #: [x, y], two numbers
    REFERENCE = "reference"                  #: relational zone: a record of another schema


class _Unset:
    """The type of :data:`UNSET`."""

    def __repr__(self) -> str:
        return "UNSET"


#: SchemaField.default when the field has no default (None is a default:
#: JSON null).
UNSET: Any = _Unset()

# SchemaField's optional rules, in the order the engine writes them.
_RULES = ("min_length", "max_length", "min_value", "max_value", "pattern", "enum",
          "references", "on_delete")


def _field_type(name: str) -> Union[FieldType, str]:
    try:
        return FieldType(name)
    except ValueError:  # a type this release does not know
        return name


@dataclass
class SchemaField:
    """A field and its rules, as :meth:`SchemaManager.create_schema` and
    :meth:`SchemaManager.add_field` take it.

    ``min_length``/``max_length`` apply to string-like types (characters)
    and json arrays (elements); ``min_value``/``max_value`` to integer and
    float; ``pattern`` (RE2 syntax, matching the whole value) to
    string-like types; ``enum`` is a list of the allowed values;
    ``references`` (the schema referred to) and ``on_delete`` ("restrict"
    or "cascade") to reference fields. ``default`` is written into records
    that lack the field; leave it :data:`UNSET` for none.
    """

    name: str
    type: Union[FieldType, str]
    required: bool = False
    unique: bool = False
    default: Any = UNSET
    min_length: Optional[int] = None
    max_length: Optional[int] = None
    min_value: Optional[Union[int, float]] = None
    max_value: Optional[Union[int, float]] = None
    pattern: Optional[str] = None
    enum: Optional[List[Any]] = None
    references: Optional[str] = None
    on_delete: Optional[str] = None

    def to_definition(self) -> Dict[str, Any]:
        """The engine's definition of the field: ``{"type": ...}`` and the
        rules that are set (as a stored schema's ``fields`` holds them)."""
        kind = self.type.value if isinstance(self.type, FieldType) else self.type
        d: Dict[str, Any] = {"type": kind}
        if self.required:
            d["required"] = True
        if self.unique:
            d["unique"] = True
        if self.default is not UNSET:
            d["default"] = self.default
        for rule in _RULES:
            value = getattr(self, rule)
            if value is not None:
                d[rule] = value
        return d

    @classmethod
    def from_definition(cls, name: str, definition: Mapping[str, Any]) -> SchemaField:
        """The field ``name`` of a definition such as ``Schema.fields``
        holds; InvalidArgumentError for a key that is not a rule."""
        d = dict(definition)
        unknown = sorted(set(d) - {"type", "required", "unique", "default", *_RULES})
        if unknown or "type" not in d:
            raise InvalidArgumentError(
                f"field '{name}': " + (f"unknown key(s) {', '.join(unknown)}" if unknown
                                       else "no type"))
        kind = d.pop("type")
        return cls(name, _field_type(kind) if isinstance(kind, str) else kind, **d)


@dataclass
class SchemaChange:
    """One entry of a schema's evolution history.

    ``action`` is "add", "drop", "alter", "rename" or "rollback" (given to
    evolve and rollback), or "add", "widen", "relax" (made by the flexible
    and emergent zones). ``old_definition`` and ``new_definition`` are the
    field's definition before and after (None where there is none); for a
    rollback, the whole ``fields`` before and after, and ``to_version`` the
    version whose fields came back. ``version`` is the schema version the
    change made, ``timestamp`` seconds since the Unix epoch, ``reason`` why
    (the caller's, or the record that caused it).
    """

    action: str
    field: str
    new_name: str
    old_definition: Optional[Dict[str, Any]]
    new_definition: Optional[Dict[str, Any]]
    version: int
    timestamp: float
    reason: str
    to_version: int

    @classmethod
    def _from_dict(cls, d: Mapping[str, Any]) -> SchemaChange:
        return cls(d["action"], d["field"], d.get("new_name", ""), d.get("old_definition"),
                   d.get("new_definition"), d["version"], d.get("timestamp", 0.0),
                   d.get("reason", ""), d.get("to_version", 0))

    def to_dict(self) -> Dict[str, Any]:
        """The entry as the stored schema holds it."""
        d: Dict[str, Any] = {"action": self.action, "field": self.field}
        if self.new_name:
            d["new_name"] = self.new_name
        if self.action == "rollback":
            d["to_version"] = self.to_version
        d.update(old_definition=self.old_definition, new_definition=self.new_definition,
                 version=self.version, timestamp=self.timestamp, reason=self.reason)
        return d


@dataclass
class Schema:
    """A schema at its current version: its ``fields`` (name -> definition,
    as :meth:`SchemaField.to_definition` makes them), ``validation_rules``
    (the specification's slot for rules across fields; always ``{}`` for
    now) and its ``evolution_history``, oldest first."""

    name: str
    zone: SchemaZone
    version: int
    fields: Dict[str, Dict[str, Any]]
    validation_rules: Any
    evolution_history: List[SchemaChange]

    @classmethod
    def _from_json(cls, text: str) -> Schema:
        d = json.loads(text)
        return cls(d["name"], SchemaZone(d["zone"]), d["version"], d["fields"],
                   d.get("validation_rules", {}),
                   [SchemaChange._from_dict(c) for c in d["evolution_history"]])

    def to_dict(self) -> Dict[str, Any]:
        """The definition as stored: name, zone, version, fields,
        validation_rules, evolution_history."""
        return {"name": self.name, "zone": self.zone.value, "version": self.version,
                "fields": self.fields, "validation_rules": self.validation_rules,
                "evolution_history": [c.to_dict() for c in self.evolution_history]}


@dataclass
class SchemaRecord:
    """A record of a schema as read back, presented under the schema's
    current version (renamed fields under their new names, dropped ones left
    out, defaults filled in). ``schema_version`` is the version it was
    written under. Temporal schemas: ``valid_from`` and ``valid_to`` bound
    when this version of the record was current (seconds since the Unix
    epoch; ``valid_to`` 0.0 while it is), and ``deleted`` marks a deletion
    in a history; elsewhere they are 0.0, 0.0 and False."""

    id: str
    data: Dict[str, Any]
    schema_version: int
    valid_from: float
    valid_to: float
    deleted: bool

    @classmethod
    def _from_tuple(cls, t: Any) -> SchemaRecord:
        return cls(t[0], json.loads(t[1]), t[2], t[3], t[4], t[5])


@dataclass
class RollbackReport:
    """What a rollback found: ``checked`` records written under versions
    after the target, ``violating`` of them that the target rejects,
    ``rewritten`` to fit (with force), and up to 20 ``problems``
    "<id>: <what is wrong>"."""

    checked: int
    violating: int
    rewritten: int
    problems: List[str]


@dataclass
class MigrationReport:
    """What a migration did: records ``rewritten`` under the current
    version, and records that were ``current`` already."""

    rewritten: int
    current: int


def _definition(definition: Union[Mapping[str, Any], SchemaField, None]) -> Any:
    if isinstance(definition, SchemaField):
        return definition.to_definition()
    if definition is not None and not isinstance(definition, dict) and isinstance(
            definition, Mapping):
        return dict(definition)
    return definition  # None, a dict, or something the binding refuses by name


def _check_field(field: object) -> None:
    if not isinstance(field, SchemaField):
        raise InvalidTypeError(f"field must be a SchemaField, not {type(field).__name__}")


def _record(record: Mapping[str, Any]) -> Any:
    # The binding takes a dict only; any other mapping is copied into one.
    if not isinstance(record, dict) and isinstance(record, Mapping):
        return dict(record)
    return record


def _conditions(where: Optional[Mapping[str, Any]], fields: Mapping[str, Any]) -> Dict[str, Any]:
    if where is not None and not isinstance(where, Mapping):
        raise InvalidTypeError(f"where must be a mapping, not {type(where).__name__}")
    conditions = dict(where or {})
    conditions.update(fields)
    return conditions


class SchemaManager:
    """The schemas of a database, and the records written under them."""

    def __init__(self, database: _spirapi.Database) -> None:
        """The schemas of ``database``, an open ``spirapi._spirapi.Database``
        (``SpiraPiDatabase.schemas`` makes it for you)."""
        self._manager = _spirapi.SchemaManager(database)

    def create_schema(self, name: str,
                      fields: Union[Mapping[str, Mapping[str, Any]], Sequence[SchemaField]],
                      zone: Union[SchemaZone, str] = SchemaZone.FLEXIBLE) -> Schema:
        """Creates schema ``name`` (1..128 of [A-Za-z0-9_-]) at version 1.

        ``fields`` maps field names to definitions (``{"type": "integer",
        "required": True, "min_value": 0}``), or is a list of
        :class:`SchemaField`. InvalidArgumentError lists every problem
        (unknown type or rule, contradictory rules, invalid pattern, ...);
        ConflictError if the schema exists.
        """
        definitions: Dict[str, Any]
        if isinstance(fields, Mapping):
            definitions = {k: _definition(v) for k, v in fields.items()}
        elif isinstance(fields, (str, bytes)) or not isinstance(fields, Sequence):
            raise InvalidArgumentError("fields must be a mapping of definitions or a list of "
                                       f"SchemaField, not {type(fields).__name__}")
        else:
            definitions = {}
            for f in fields:
                if not isinstance(f, SchemaField):
                    raise InvalidArgumentError(
                        f"fields: {f!r} is a {type(f).__name__}, not a SchemaField")
                if f.name in definitions:
                    raise InvalidArgumentError(f"fields: '{f.name}' is given twice")
                definitions[f.name] = f.to_definition()
        zone_name = zone.value if isinstance(zone, SchemaZone) else _checks.text(zone, "zone")
        return Schema._from_json(self._manager.create_schema(
            _checks.text(name, "name"), zone_name, definitions))

    def get_schema(self, name: str) -> Optional[Schema]:
        """Schema ``name`` at its current version, or None."""
        text = self._manager.get_schema(_checks.text(name, "name"))
        return None if text is None else Schema._from_json(text)

    def list_schemas(self) -> List[Schema]:
        """Every schema, in name order."""
        return [Schema._from_json(text) for text in self._manager.list_schemas()]

    def evolve(self, name: str, action: str, field: str = "", *,
               definition: Union[Mapping[str, Any], SchemaField, None] = None,
               new_name: str = "", reason: str = "") -> Schema:
        """Applies one change as a new version, recorded in the history:
        "add" (``definition``), "drop", "alter" (``definition``) or "rename"
        (``new_name``) of ``field`` (taken from ``definition`` when it is a
        SchemaField and ``field`` is empty). Existing records are not
        rewritten: reads present them under the new version. An alter that
        records would violate is refused, as is adding a required field
        without a default to a schema that has records."""
        if not field and isinstance(definition, SchemaField):
            field = definition.name
        return Schema._from_json(self._manager.evolve(
            _checks.text(name, "name"), _checks.text(action, "action"),
            _checks.text(field, "field"), _definition(definition),
            _checks.text(new_name, "new_name"), _checks.text(reason, "reason")))

    def add_field(self, name: str, field: SchemaField, reason: str = "") -> Schema:
        """Adds ``field`` to schema ``name`` (evolve "add")."""
        _check_field(field)
        return self.evolve(name, "add", field.name, definition=field, reason=reason)

    def drop_field(self, name: str, field: str, reason: str = "") -> Schema:
        """Drops ``field`` from schema ``name`` (evolve "drop"); records keep
        their values, which reads no longer show."""
        return self.evolve(name, "drop", field, reason=reason)

    def alter_field(self, name: str, field: SchemaField, reason: str = "") -> Schema:
        """Replaces the definition of ``field.name`` by ``field`` (evolve
        "alter"); refused if any record would violate it."""
        _check_field(field)
        return self.evolve(name, "alter", field.name, definition=field, reason=reason)

    def rename_field(self, name: str, field: str, new_name: str, reason: str = "") -> Schema:
        """Renames ``field`` to ``new_name`` (evolve "rename")."""
        return self.evolve(name, "rename", field, new_name=new_name, reason=reason)

    def rollback(self, name: str, to_version: int, *,
                 force: bool = False) -> Tuple[Schema, RollbackReport]:
        """Makes the fields of ``to_version`` current again, as a new
        version, in one transaction.

        Records written after ``to_version`` are checked against its
        fields. If any violate and not ``force``, nothing changes and
        InvalidArgumentError lists them; the exception's ``report``
        attribute holds the :class:`RollbackReport`. With ``force`` they are
        rewritten to fit (undeclared and invalid values removed, defaults
        filled in; their previous form kept in METADATA), unless one cannot
        be made to fit.
        """
        try:
            text, report = self._manager.rollback(
                _checks.text(name, "name"), _checks.uint64(to_version, "to_version"),
                force=force)
        except InvalidArgumentError as e:
            raw = getattr(e, "report", None)
            if isinstance(raw, tuple):
                setattr(e, "report", RollbackReport(*raw))
            raise
        return Schema._from_json(text), RollbackReport(*report)

    def export_schema(self, name: str, format: str = "json_schema") -> str:
        """The current version of schema ``name`` as a JSON Schema (draft
        2020-12) document (``format`` "json_schema") or an SQLite CREATE
        TABLE statement ("sql"). A JSON Schema export imports back
        unchanged."""
        return self._manager.export_schema(_checks.text(name, "name"),
                                           _checks.text(format, "format"))

    def import_schema(self, name: str, json_schema: Union[Mapping[str, Any], str]) -> Schema:
        """Creates schema ``name`` from a JSON Schema document (a dict, or
        its JSON text): an object schema with properties; the zone from
        ``x-spirapi-zone``, else structured when additionalProperties is
        false, else flexible. InvalidArgumentError lists every keyword or
        property it cannot represent."""
        document = json_schema if isinstance(json_schema, str) else _record(json_schema)
        return Schema._from_json(self._manager.import_schema(_checks.text(name, "name"),
                                                             document))

    def insert(self, schema: str, record: Mapping[str, Any]) -> str:
        """Validates ``record`` against ``schema``, applies what its zone
        does with it (a new field, a widened type) and stores it under a new
        π identifier, which is returned."""
        return self._manager.insert(_checks.text(schema, "schema"), _record(record))

    def insert_many(self, schema: str, records: Iterable[Mapping[str, Any]],
                    batch: int = 1000) -> List[str]:
        """Inserts ``records`` (read once, in order) as :meth:`insert` would,
        one after the other, ``batch`` records to a transaction, and returns
        their ids in order. A batch goes in whole or not at all; one commit
        for many records makes it much faster than as many inserts. Unique
        values are also checked between the records of a batch.

        A refused record raises InvalidArgumentError "record <i>: <why>",
        ``i`` being its position in ``records`` (the exception's ``index``).
        Its batch is not inserted; the batches before it are, and their ids
        are the exception's ``inserted`` attribute, so a retry can go on
        with the records from ``len(e.inserted)``.
        """
        name = _checks.text(schema, "schema")
        size = _checks.uint64(batch, "batch")
        if size == 0:
            raise InvalidArgumentError("batch must be at least 1")
        if isinstance(records, (Mapping, str, bytes)):
            raise InvalidTypeError("records must be an iterable of records, not a "
                                   f"{type(records).__name__}")
        ids: List[str] = []
        chunk: List[Any] = []

        def flush() -> None:
            try:
                ids.extend(self._manager.insert_batch(name, chunk, len(ids)))
            except InvalidArgumentError as e:
                setattr(e, "inserted", list(ids))
                raise
            chunk.clear()

        for record in records:
            chunk.append(_record(record))
            if len(chunk) >= size:
                flush()
        if chunk:
            flush()
        return ids

    def update(self, schema: str, id: str, record: Mapping[str, Any]) -> None:
        """Replaces the fields of record ``id`` by ``record``, validated as
        :meth:`insert` validates. Temporal schemas keep the version
        replaced in the record's history."""
        self._manager.update(_checks.text(schema, "schema"), _checks.text(id, "id"),
                             _record(record))

    def delete(self, schema: str, id: str) -> List[str]:
        """Deletes record ``id`` and returns every record deleted,
        "<schema>/<id>", this one first: more when references cascade.
        InvalidArgumentError if records refer to it with on_delete
        restrict."""
        return self._manager.delete(_checks.text(schema, "schema"), _checks.text(id, "id"))

    def migrate(self, name: str) -> MigrationReport:
        """Rewrites the records written under older versions as the current
        version presents them, 256 per transaction; resumes where it stopped
        after a crash."""
        return MigrationReport(*self._manager.migrate(_checks.text(name, "name")))

    def get(self, schema: str, id: str) -> Optional[SchemaRecord]:
        """Record ``id`` of ``schema``, or None if there is no such record.
        NotFoundError if there is no such schema."""
        t = self._manager.get(_checks.text(schema, "schema"), _checks.text(id, "id"))
        return None if t is None else SchemaRecord._from_tuple(t)

    def find(self, schema: str, where: Optional[Mapping[str, Any]] = None,
             **fields: Any) -> List[SchemaRecord]:
        """The records whose fields equal the given values (all of them:
        ``where`` and the keyword arguments, which win on a repeated name),
        in id order. Values compare as the field's type makes them equal
        (3 equals 3.0, "5" does not equal 5). Fields named ``schema`` or
        ``where`` go in ``where``."""
        return [SchemaRecord._from_tuple(t) for t in self._manager.find(
            _checks.text(schema, "schema"), _conditions(where, fields))]

    def get_as_of(self, schema: str, id: str, as_of: float) -> Optional[SchemaRecord]:
        """Temporal schemas: record ``id`` as it was at ``as_of`` (seconds
        since the Unix epoch), or None if it did not exist then.
        InvalidArgumentError for a schema that is not temporal."""
        t = self._manager.get_as_of(_checks.text(schema, "schema"), _checks.text(id, "id"),
                                    _checks.number(as_of, "as_of"))
        return None if t is None else SchemaRecord._from_tuple(t)

    def find_as_of(self, schema: str, where: Optional[Mapping[str, Any]],
                   as_of: float) -> List[SchemaRecord]:
        """Temporal schemas: as :meth:`find`, on the records as they were
        at ``as_of``."""
        return [SchemaRecord._from_tuple(t) for t in self._manager.find_as_of(
            _checks.text(schema, "schema"), _conditions(where, {}),
            _checks.number(as_of, "as_of"))]

    def history(self, schema: str, id: str) -> List[SchemaRecord]:
        """Temporal schemas: every version of record ``id``, oldest first,
        deletions included."""
        return [SchemaRecord._from_tuple(t) for t in self._manager.history(
            _checks.text(schema, "schema"), _checks.text(id, "id"))]


__all__ = ["SchemaManager", "Schema", "SchemaField", "SchemaChange", "SchemaRecord",
           "SchemaZone", "FieldType", "RollbackReport", "MigrationReport", "UNSET"]
