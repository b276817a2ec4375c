"""Load the codebook (the data contract) and render it as human documentation.

The codebook is a Frictionless Data Package (v2) of Table Schemas shipped with the package
(`data/codebook.yaml`). Every other module asks this one what a table, a field, a code or a
missing-value code is; nothing else parses the YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from tahsb_analysis.yaml_files import load_yaml

TABLE_NAMES = ("cases", "case_file", "behaviours")


class CodebookError(ValueError):
    """The codebook itself is malformed (a developer error, not bad input data)."""


@dataclass(frozen=True)
class Code:
    """One allowed value of a field, or one missing-value code, with its label."""

    value: str
    label: str
    setting: str | None = None  # behaviour types only: online or offline


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    type: str  # string, integer, number, boolean, yearmonth
    description: str = ""
    required: bool = True
    unique: bool = False
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_decimals: int | None = None
    categories: tuple[Code, ...] = ()
    categories_ordered: bool = False
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    missing_codes: tuple[Code, ...] = ()
    constant_within_file: bool = False
    findings: tuple[str, ...] = ()
    role: str = ""

    @property
    def is_categorical(self) -> bool:
        return bool(self.categories)

    @property
    def is_boolean(self) -> bool:
        return self.type == "boolean"

    @property
    def valid_codes(self) -> tuple[str, ...]:
        """Codes that carry a value (not missing), in codebook order."""
        if self.is_boolean:
            return self.true_values + self.false_values
        return tuple(code.value for code in self.categories)

    @property
    def missing_values(self) -> tuple[str, ...]:
        return tuple(code.value for code in self.missing_codes)

    def missing_label(self, value: str) -> str:
        for code in self.missing_codes:
            if code.value == value:
                return code.label
        raise KeyError(value)

    def expected_description(self) -> str:
        """What a valid cell looks like, in words, for error messages."""
        if self.is_boolean or self.is_categorical:
            text = "one of " + ", ".join(self.valid_codes)
        elif self.type == "integer":
            text = f"a whole number from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
        elif self.type == "number":
            places = (
                ""
                if self.max_decimals is None
                else f" with at most {self.max_decimals} decimal place(s)"
            )
            text = f"a number from {_fmt(self.minimum)} to {_fmt(self.maximum)}{places}"
        elif self.type == "yearmonth":
            text = "a year and month written YYYY-MM"
        elif self.pattern:
            words = self.description.rstrip(".") + "; " if self.description else ""
            text = f"text: {words}pattern {self.pattern}"
        else:
            text = "text"
        if self.missing_codes:
            text += (
                ", or a missing-value code ("
                + "; ".join(f"{code.value} = {code.label}" for code in self.missing_codes)
                + ")"
            )
        return text


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    default_filename: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"table {self.name!r} has no field {name!r}")


@dataclass(frozen=True)
class Codebook:
    name: str
    title: str
    version: str
    description: str
    tables: dict[str, Table] = field(default_factory=dict)
    cross_table_rules: tuple[str, ...] = ()
    derived_groups: tuple[str, ...] = ()
    # name -> {"title", "description", "any_of": [{"field", "values"}]} (finding S1)
    response_composites: dict = field(default_factory=dict)

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(
                f"the codebook has no table {name!r}; it has {sorted(self.tables)}"
            ) from None

    def behaviour_settings(self) -> dict[str, str]:
        """Map each behaviour type code to its setting (online or offline)."""
        type_field = self.table("behaviours").field("behaviour_type")
        return {code.value: code.setting for code in type_field.categories}

    def fields_with_role(self, role: str) -> list[tuple[str, Field]]:
        """(table name, field) of every field with `role`, in codebook order."""
        return [(t.name, f) for t in self.tables.values() for f in t.fields if f.role == role]

    def behaviour_labels(self) -> dict[str, str]:
        type_field = self.table("behaviours").field("behaviour_type")
        return {code.value: code.label for code in type_field.categories}


def default_codebook_path() -> Path:
    return Path(str(resources.files("tahsb_analysis") / "data" / "codebook.yaml"))


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and check the codebook; the packaged one unless `path` is given."""
    path = Path(path) if path is not None else default_codebook_path()
    raw = load_yaml(path)
    try:
        tables = {res["name"]: _parse_table(res) for res in raw["resources"]}
        codebook = Codebook(
            name=raw["name"],
            title=raw["title"],
            version=str(raw["version"]),
            description=raw.get("description", ""),
            tables=tables,
            cross_table_rules=tuple(raw.get("x-cross-table-rules", ())),
            derived_groups=tuple(raw.get("x-derived-groups", ())),
            response_composites={c["name"]: c for c in raw.get("x-response-composites", ())},
        )
    except (KeyError, TypeError) as exc:
        raise CodebookError(f"{path}: malformed codebook ({exc!r})") from exc
    _check_consistency(codebook, path)
    return codebook


def _parse_codes(items) -> tuple[Code, ...]:
    codes = []
    for item in items or ():
        if isinstance(item, dict):
            codes.append(
                Code(str(item["value"]), str(item.get("label", item["value"])), item.get("setting"))
            )
        else:
            codes.append(Code(str(item), str(item)))
    return tuple(codes)


def _parse_field(raw: dict) -> Field:
    constraints = raw.get("constraints", {})
    return Field(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        type=raw["type"],
        description=raw.get("description", ""),
        required=bool(constraints.get("required", False)),
        unique=bool(constraints.get("unique", False)),
        pattern=constraints.get("pattern"),
        minimum=constraints.get("minimum"),
        maximum=constraints.get("maximum"),
        max_decimals=raw.get("maxDecimals"),
        categories=_parse_codes(raw.get("categories")),
        categories_ordered=bool(raw.get("categoriesOrdered", False)),
        true_values=tuple(str(v) for v in raw.get("trueValues", ())),
        false_values=tuple(str(v) for v in raw.get("falseValues", ())),
        missing_codes=_parse_codes(raw.get("missingValues")),
        constant_within_file=bool(raw.get("constantWithinFile", False)),
        findings=tuple(raw.get("findings", ())),
        role=raw.get("role", ""),
    )


def _parse_table(raw: dict) -> Table:
    schema = raw["schema"]
    foreign_keys = tuple(
        ForeignKey(
            fields=tuple(fk["fields"]),
            resource=fk["reference"]["resource"],
            reference_fields=tuple(fk["reference"]["fields"]),
        )
        for fk in schema.get("foreignKeys", ())
    )
    return Table(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        description=raw.get("description", ""),
        default_filename=raw.get("path", f"{raw['name']}.csv"),
        fields=tuple(_parse_field(f) for f in schema["fields"]),
        primary_key=tuple(schema.get("primaryKey", ())),
        foreign_keys=foreign_keys,
    )


_KNOWN_TYPES = {"string", "integer", "number", "boolean", "yearmonth"}
ROLES = ("identifier", "design", "demographic", "background", "hsb", "response")


def _check_consistency(codebook: Codebook, path: Path) -> None:
    """Catch codebook edits that would silently break validation."""
    problems = []
    if tuple(sorted(codebook.tables)) != tuple(sorted(TABLE_NAMES)):
        problems.append(f"tables must be {TABLE_NAMES}, found {tuple(codebook.tables)}")
    for table in codebook.tables.values():
        names = table.field_names
        if len(set(names)) != len(names):
            problems.append(f"{table.name}: duplicate field names")
        for key in table.primary_key:
            if key not in names:
                problems.append(f"{table.name}: primary key {key!r} is not a field")
        for fld in table.fields:
            if fld.role not in ROLES:
                problems.append(f"{table.name}.{fld.name}: role must be one of {ROLES}")
            if fld.type not in _KNOWN_TYPES:
                problems.append(f"{table.name}.{fld.name}: unknown type {fld.type!r}")
            if fld.is_boolean and not (fld.true_values and fld.false_values):
                problems.append(
                    f"{table.name}.{fld.name}: boolean needs trueValues and falseValues"
                )
            overlap = set(fld.valid_codes) & set(fld.missing_values)
            if overlap:
                problems.append(
                    f"{table.name}.{fld.name}: codes {sorted(overlap)} are both valid and missing"
                )
    if "case_file" in codebook.tables:
        case_file = codebook.tables["case_file"]
        for name, composite in codebook.response_composites.items():
            for condition in composite.get("any_of", ()):
                fld = condition.get("field")
                if fld not in case_file.field_names:
                    problems.append(f"composite {name}: {fld!r} is not a case_file field")
                elif not set(condition.get("values", ())) <= set(case_file.field(fld).valid_codes):
                    problems.append(f"composite {name}: values of {fld!r} are not its codes")
    settings = codebook.behaviour_settings() if "behaviours" in codebook.tables else {}
    for code, setting in settings.items():
        if setting not in ("online", "offline"):
            problems.append(
                f"behaviours.behaviour_type: code {code!r} needs setting online or offline"
            )
    if problems:
        raise CodebookError(f"{path}: " + "; ".join(problems))


def _fmt(number) -> str:
    if number is None:
        return "?"
    return f"{number:g}"


def render_markdown(codebook: Codebook) -> str:
    """The codebook as a Markdown page (docs/codebook.md)."""
    lines = [
        f"# Codebook: {codebook.title}",
        "",
        f"Version {codebook.version}. Generated from `src/tahsb_analysis/data/codebook.yaml` by "
        "`tahsb codebook --output docs/codebook.md`; do not edit by hand.",
        "",
        codebook.description,
        "",
        "Missing-value codes are the same in every file format. They are kept apart in the "
        "analysis: a child whose value is *not recorded* (-9) or *not applicable* (-8) is left out "
        "of that statistic's denominator and counted in its own missing row. A blank cell is "
        "never a valid code. Files may be CSV (UTF-8, with or without BOM), Excel `.xlsx` (a "
        "workbook with one sheet, or with a sheet named after each table) or SPSS `.sav` "
        "(declare -9 and -8 as user-missing values). `tahsb workbook --output coding.xlsx` "
        "writes a coder's workbook made from this codebook: a sheet per table with drop-down "
        "lists of the codes, checked numbers, and month columns formatted as text.",
        "",
    ]
    if codebook.cross_table_rules:
        lines += ["## Rules across tables", ""]
        lines += [f"- {rule}" for rule in codebook.cross_table_rules]
        lines.append("")
    if codebook.response_composites:
        lines += ["## Composite responses (finding S1)", ""]
        for name, composite in codebook.response_composites.items():
            conditions = " or ".join(
                f"`{c['field']}` is " + "/".join(f"`{v}`" for v in c["values"])
                for c in composite["any_of"]
            )
            lines.append(
                f"- `{name}` ({composite['title'].lower()}: {composite['description']}): yes when "
                f"{conditions}; no when none holds and each is known or not applicable (-8); "
                "otherwise missing."
            )
        lines.append("")
    if codebook.derived_groups:
        lines += ["## Derived groups", ""]
        lines += [f"- {rule}" for rule in codebook.derived_groups]
        lines.append("")
    for table in codebook.tables.values():
        lines += [
            f"## Table `{table.name}`: {table.title}",
            "",
            table.description,
            "",
            f"Default file name: `{table.default_filename}`. Primary key: "
            + ", ".join(f"`{k}`" for k in table.primary_key)
            + ".",
        ]
        for fk in table.foreign_keys:
            lines.append(
                f"Foreign key: `{', '.join(fk.fields)}` refers to "
                f"`{fk.resource}.{', '.join(fk.reference_fields)}`."
            )
        lines += [
            "",
            "| variable | label | role | type | allowed codes | missing-value codes | findings |",
            "|---|---|---|---|---|---|---|",
        ]
        for fld in table.fields:
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"`{fld.name}`",
                        _escape(fld.title + (f". {fld.description}" if fld.description else "")),
                        fld.role,
                        _type_text(fld),
                        _escape(_codes_text(fld)),
                        _escape(
                            "; ".join(f"`{c.value}` {c.label}" for c in fld.missing_codes)
                            or "none allowed"
                        ),
                        ", ".join(fld.findings) or "-",
                    ]
                )
                + " |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _type_text(fld: Field) -> str:
    if fld.is_boolean:
        return "yes/no"
    if fld.is_categorical:
        return "ordered categories" if fld.categories_ordered else "categories"
    return fld.type


def _codes_text(fld: Field) -> str:
    if fld.is_boolean:
        return f"`{fld.true_values[0]}`, `{fld.false_values[0]}`"
    if fld.is_categorical:
        parts = []
        for code in fld.categories:
            suffix = f" [{code.setting}]" if code.setting else ""
            parts.append(f"`{code.value}` {code.label}{suffix}")
        return "; ".join(parts)
    bits = []
    if fld.minimum is not None or fld.maximum is not None:
        bits.append(f"{_fmt(fld.minimum)} to {_fmt(fld.maximum)}")
    if fld.max_decimals is not None:
        bits.append(f"at most {fld.max_decimals} decimal place")
    if fld.pattern:
        bits.append(f"pattern `{fld.pattern}`")
    if fld.unique:
        bits.append("unique")
    if fld.constant_within_file:
        bits.append("same value on every row")
    if fld.type == "yearmonth":
        bits.append("YYYY-MM")
    return ", ".join(bits) or "-"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
