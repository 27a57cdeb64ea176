"""Translate papermill parameters into ytkernel ``%set`` lines.

``%set NAME = VALUE`` types a value by how it is written (magics/README.md):
quoted text is always text, bare numbers are integers or reals, a bare
YYYY-MM-DD is a date, true/false are 1/0, NULL is NULL.  So:

=====================  ==========================================
Python value           injected line
=====================  ==========================================
``"GB"``               ``%set region = 'GB'``  (text; ' as '\\'')
``30``                 ``%set days = 30``      (integer)
``2.5``                ``%set ratio = 2.5``    (real)
``True`` / ``False``   ``%set flag = true`` / ``false`` (1 / 0)
``None``               ``%set x = NULL``
``["GB", "US", 3]``    ``%set regions = 'GB,US,3'`` (comma list)
``datetime.date``      ``%set start = 2026-01-31`` (date)
``datetime.datetime``  ``%set t = '2026-01-31 12:00:00'`` (text)
=====================  ==========================================

Anything else (dicts, nested lists, NaN, text with a line break, names that
are not NAME) raises :class:`papermill.exceptions.PapermillException` naming
the parameter, before the notebook runs.
"""
import datetime
import math
import re

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1
SET_RE = re.compile(r"\s*%set\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"\s*(?:=\s*|\s)(?P<value>.*?)\s*\Z")


class YtkernelTranslator(Translator):
    """papermill translator for ytkernel (``%set`` lines, ``--`` comments)."""

    @classmethod
    def translate_str(cls, val):
        if "\n" in val or "\r" in val or "\0" in val:
            raise ValueError(
                "text with a line break or NUL cannot be a ytkernel "
                "variable (a %set line is one line)")
        return "'" + val.replace("'", "'\\''") + "'"

    @classmethod
    def translate_escaped_str(cls, str_val):
        return cls.translate_str(str(str_val))

    @classmethod
    def translate_none(cls, val):
        return "NULL"

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_int(cls, val):
        if not INT_MIN <= val <= INT_MAX:
            raise ValueError(f"integer {val} does not fit SQLite's 64 bits")
        return str(int(val))

    @classmethod
    def translate_float(cls, val):
        if not math.isfinite(val):
            raise ValueError(f"{val} is not a number SQLite can hold")
        return repr(float(val))

    @classmethod
    def translate_dict(cls, val):
        raise ValueError("dicts cannot be ytkernel variables (one value "
                         "each); pass one parameter per key")

    @classmethod
    def translate_list(cls, val):
        items = []
        for item in val:
            if isinstance(item, bool) or item is None or \
                    not isinstance(item, (str, int, float)):
                raise ValueError(
                    "a list becomes a comma list of text: its items must be "
                    f"strings or numbers, not {type(item).__name__}")
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"{item} is not a number SQLite can hold")
            text = item if isinstance(item, str) else \
                (repr(item) if isinstance(item, float) else str(item))
            if "," in text:
                raise ValueError(
                    f"list item {text!r} holds a comma, which the comma "
                    "list cannot tell from a separator")
            items.append(text)
        return cls.translate_str(",".join(items))

    @classmethod
    def translate(cls, val):
        if isinstance(val, datetime.datetime):
            return cls.translate_str(val.isoformat(sep=" "))
        if isinstance(val, datetime.date):
            return val.isoformat()
        if val is None or isinstance(val, (str, bool, int, float, dict, list)):
            return super().translate(val)
        raise ValueError(f"a {type(val).__name__} cannot be a ytkernel "
                         "variable (strings, numbers, booleans, None, "
                         "dates and lists are)")

    @classmethod
    def comment(cls, cmt_str):
        return "-- " + " ".join(str(cmt_str).split())

    @classmethod
    def assign(cls, name, str_val):
        return f"%set {name} = {str_val}"

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        lines = [cls.comment(comment)]
        for name, val in parameters.items():
            if not isinstance(name, str) or not NAME_RE.match(name):
                raise PapermillException(
                    f"parameter {name!r}: ytkernel variable names are "
                    "letters, digits and _ (not starting with a digit, at "
                    "most 64 characters)")
            try:
                lines.append(cls.assign(name, cls.translate(val)))
            except (TypeError, ValueError) as e:
                raise PapermillException(f"parameter {name!r}: {e}") from None
        return "\n".join(lines) + "\n"

    @classmethod
    def inspect(cls, parameters_cell):
        """The %set lines of a parameters cell, for ``papermill
        --help-notebook``; a ``--`` comment line just above one is its
        help."""
        params, help_lines = [], []
        for line in parameters_cell["source"].splitlines():
            stripped = line.strip()
            if stripped.startswith("--"):
                help_lines.append(stripped[2:].strip())
                continue
            m = SET_RE.match(line)
            if m:
                value = m.group("value")
                params.append(Parameter(
                    name=m.group("name"),
                    inferred_type_name=_type_of(value),
                    default=value,
                    help=" ".join(help_lines)))
            help_lines = []
        return params


def _type_of(value):
    """The type %set gives a written value (mg_var_parse_value)."""
    if value[:1] in ("'", '"'):
        return "text"
    if re.fullmatch(r"[+-]?\d+", value):
        return "integer"
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", value) and \
            re.search(r"[.eE]", value):
        return "real"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "date"
    if value.lower() in ("true", "false"):
        return "integer"
    if value.lower() == "null":
        return "NoneType"
    return "text"


def translate_parameters(parameters, comment="Parameters"):
    """The injected cell's source for `parameters` (a dict)."""
    return YtkernelTranslator.codify(parameters, comment)
