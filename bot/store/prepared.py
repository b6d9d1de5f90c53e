"""A turn's hot statements run straight on the DB-API cursor of the session's connection.

SQLAlchemy's execution path (a context per statement, parameters constructed and processed,
a Result built, events checked) cost a fifth of a web process's CPU under load — more than
the statements themselves on SQLite. A ``Prepared`` statement is the same Core statement,
compiled once per dialect (so the SQL, the parameter style and the type conversions are
SQLAlchemy's own), then run with a plain ``cursor.execute`` inside the same transaction.

What it keeps of SQLAlchemy's behaviour: the bind and result conversions of every column
type (money as ``Decimal``, aware datetimes, JSON), errors raised as SQLAlchemy's exception
classes (so callers and the poison/transient sorting see what they always saw), a
connection the driver says is gone invalidated, and the ``before_cursor_execute`` event
(statement counting in tests). What it does not do: expanding ``IN`` parameters and ORM
entities — those statements stay on ``Connection.execute``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass
class _Form:
    """A statement as one dialect runs it."""

    sql: str
    names: tuple[str, ...]  # every parameter, in the statement's order
    positional: bool
    fixed: dict[str, Any]  # the statement's own literal values
    binds: dict[str, Processor]
    converting: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor)
    results: tuple[Any, ...]  # the result columns' types (processors made at first rows)
    # (position, conversion) of the result columns that have one, made at the first rows
    converted: list[tuple[int, Callable[[Any], Any]]] | None = None


class Prepared:
    """A Core statement (no expanding parameters) to run on a session's connection.

    An INSERT without values of its own sets the columns its parameters name, as
    ``Connection.execute`` works them out (one compiled form per set of columns); every
    column with a Python-side default must then be among them."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._columns_from_params = isinstance(statement, Insert) and not statement._values
        self._forms: dict[tuple[str, tuple[str, ...] | None], _Form] = {}

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of a SELECT (or of a RETURNING), converted as SQLAlchemy would."""
        form, cursor = self._execute(connection, params)
        try:
            raw = cursor.fetchall()
            converted = form.converted
            if converted is None and cursor.description is None:
                converted = []  # no result columns described (nothing to convert): ask again
            elif converted is None:  # the driver's column types, known from the first run
                processors = _result_processors(
                    connection.dialect, form.results, cursor.description
                )
                converted = form.converted = [
                    (i, p) for i, p in enumerate(processors) if p is not None
                ]
        finally:
            cursor.close()
        if not converted:
            return [tuple(row) for row in raw]
        rows = []
        for row in raw:
            values = list(row)
            for i, processor in converted:  # only the columns that have a conversion
                values[i] = processor(values[i])
            rows.append(tuple(values))
        return rows

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or ``None``."""
        rows = self.rows(connection, params)
        return rows[0][0] if rows else None

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """A statement without rows (INSERT, UPDATE); the rows it touched."""
        _form, cursor = self._execute(connection, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The statement once per parameter set, in one driver call (executemany)."""
        if rows:
            _form, cursor = self._execute(connection, rows, many=True)
            cursor.close()

    def _form(self, dialect: Dialect, params: Mapping[str, Any]) -> _Form:
        keys = tuple(sorted(params)) if self._columns_from_params else None
        form = self._forms.get((dialect.name, keys))
        if form is None:
            form = self._forms[(dialect.name, keys)] = _compile(self.statement, dialect, keys)
        return form

    def _execute(
        self, connection: Connection, params: Any, *, many: bool = False
    ) -> tuple[_Form, Any]:
        form = self._form(connection.dialect, params[0] if many else params)
        values = [_bound(form, one) for one in params] if many else _bound(form, params)
        dbapi_connection = connection.connection.driver_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        dispatch = connection.dispatch.before_cursor_execute
        if dispatch:  # someone listens (a test counting statements): tell them, as execute does
            dispatch(connection, cursor, form.sql, values, None, many)
        try:
            if many:
                cursor.executemany(form.sql, values)
            else:
                cursor.execute(form.sql, values)
        except Exception as error:
            cursor.close()
            raise _wrapped(connection, form.sql, values, error) from error
        return form, cursor


def _compile(statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...] | None) -> _Form:
    compiled: Any = statement.compile(dialect=dialect, column_keys=keys)
    computed = [*compiled.insert_prefetch, *compiled.update_prefetch]
    if computed:  # values SQLAlchemy computes in Python at each execution: pass them
        missing = ", ".join(sorted(column.key for column in computed))
        raise ValueError(f"columns with Python defaults must be given: {missing}")
    fixed: dict[str, Any] = {}
    required: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding and bind.required:
            raise ValueError(f"{name}: an IN list given at run time is not prepared")
        if bind.required:
            required[name] = None
        else:
            fixed[name] = bind.effective_value
    # a literal IN list (status IN ('active', ...)) is written out once, as parameters of
    # its own, by SQLAlchemy's own expansion; the other values are only placeholders here
    expanded = compiled.construct_expanded_state({**fixed, **required})
    values = expanded.parameters
    names = tuple(expanded.positiontup or ()) or tuple(values)
    # the columns' conversions (SQLAlchemy's own), and those of a written-out IN list
    processors = {**compiled._bind_processors, **expanded.processors}
    binds: dict[str, Processor] = {name: processors.get(name) for name in names}
    fixed = {name: value for name, value in values.items() if name not in required}
    results = tuple(column[3] for column in compiled._result_columns)
    converting = tuple(
        (i, processor) for i, name in enumerate(names) if (processor := binds[name]) is not None
    )
    return _Form(
        expanded.statement, names, bool(dialect.positional), fixed, binds, converting, results
    )


def _bound(form: _Form, params: Mapping[str, Any]) -> Any:
    fixed = form.fixed
    values = [params[name] if name in params else fixed[name] for name in form.names]
    for i, processor in form.converting:  # only the parameters that have a conversion
        values[i] = processor(values[i])
    return values if form.positional else dict(zip(form.names, values, strict=True))


def _result_processors(
    dialect: Dialect, types: Sequence[Any], description: Sequence[Any] | None
) -> tuple[Processor, ...]:
    codes = [column[1] for column in description or ()]
    return tuple(
        type_._cached_result_processor(dialect, codes[i] if i < len(codes) else None)
        for i, type_ in enumerate(types)
    )


def _wrapped(connection: Connection, sql: str, values: Any, error: Exception) -> BaseException:
    """The driver's error as SQLAlchemy raises it; a lost connection is invalidated."""
    dialect = connection.dialect
    dbapi = dialect.loaded_dbapi
    if not isinstance(error, dbapi.Error):
        return error
    gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
    if gone:
        connection.invalidate(error)
    return exc.DBAPIError.instance(
        sql,
        values,
        error,
        dbapi.Error,
        hide_parameters=True,
        connection_invalidated=gone,
        dialect=dialect,
    )
