"""Tests for learning_direction.intake.io.read_survey: text encodings, delimiters, Excel, SPSS, Stata, Qualtrics."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import learning_direction as ld
from learning_direction.exceptions import DataValidationError, LearningDirectionError
from learning_direction.intake.io import ReadReport, SurveyData, read_survey

# ----------------------------------------------------------------------------- fixtures

META = [
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
]  # fmt: skip
META_TEXT = [
    "Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
    "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
    "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude",
    "Distribution Channel", "User Language",
]  # fmt: skip
ITEMS = ["Q1_1", "Q1_2", "Q1_3"]
ITEM_TEXT = [
    "How much do you agree?\n - People above me are my best source of insight.",
    'How much do you agree?\n - Juniors have "fresh" ideas, often.',
    "How much do you agree?\n - Peers teach me a lot.",
]


def _response(k: int, channel: str = "anonymous", status: int = 0, q=(4, 5, 6)) -> list:
    return [
        f"2025-03-0{1 + k % 9} 09:1{k % 10}:00", f"2025-03-0{1 + k % 9} 09:3{k % 10}:00", status,
        f"192.0.2.{k + 1}", 100, 600 + k, 1, f"2025-03-0{1 + k % 9} 09:3{k % 10}:01", f"R_abc{k:04d}",
        "Müller", "Zoë", f"zoe{k}@example.org", f"M{k:03d}", 52.5, 13.4, channel, "EN", *q,
    ]  # fmt: skip


def qualtrics_bytes(
    rows: list[list] | None = None,
    header: str = "three",
    extra_import_row: bool = False,
    bom: bool = True,
    delimiter: str = ",",
) -> bytes:
    """A realistic Qualtrics export: CRLF line ends, BOM, quoted multi-line question texts."""
    names = META + ITEMS
    texts = META_TEXT + ITEM_TEXT
    import_ids = [json.dumps({"ImportId": n.lower()}) for n in META] + [
        json.dumps({"ImportId": f"QID1_{k}"}) for k in (1, 2, 3)
    ]
    if rows is None:
        rows = [_response(k, q=(1 + k % 7, 7 - k % 7, 4)) for k in range(6)]
        rows.append(_response(90, channel="preview", status=1, q=(7, 7, 7)))
        rows.append(_response(91, channel="test", status=2, q=(1, 1, 1)))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", delimiter=delimiter)
    w.writerow(names)
    if header in ("three", "two"):
        w.writerow(texts)
    if header in ("three", "no_text"):
        w.writerow(import_ids)
        if extra_import_row:
            w.writerow(import_ids)
    for r in rows:
        w.writerow(r)
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def write(tmp_path, name: str, data: bytes | str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


# ----------------------------------------------------------------------------- plain CSV/TSV


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_encodings_detected(tmp_path, encoding, bom, expected):
    text = "id,name,q1\r\n1,Zoë “Zo” Müller,3\r\n2,Renée €,4\r\n"
    path = write(tmp_path, "s.csv", bom + text.encode(encoding))
    s = read_survey(path)
    assert s.report.encoding == expected
    assert s.report.encoding_detected
    assert s.data["name"].tolist() == ["Zoë “Zo” Müller", "Renée €"]
    assert s.data["q1"].tolist() == [3, 4]
    assert list(s.data.columns) == ["id", "name", "q1"]  # no BOM in the first name


def test_latin1_detected_and_decoded(tmp_path):
    # 0x81 is undefined in Windows-1252, so only Latin-1 decodes this file
    raw = "id;city;x\n1;Zürich\x81;2\n2;Genève;3\n".encode("latin-1")
    s = read_survey(write(tmp_path, "l1.csv", raw))
    assert s.report.encoding == "latin-1"
    assert s.data["city"].tolist() == ["Zürich\x81", "Genève"]
    # a typical Latin-1 file decodes identically as cp1252 (bytes 0xA0-0xFF agree)
    raw2 = "id,city\n1,Genève\n".encode("latin-1")
    assert read_survey(write(tmp_path, "l2.csv", raw2)).data["city"].tolist() == ["Genève"]


def test_explicit_encoding_wrong_is_clear(tmp_path):
    path = write(tmp_path, "s.csv", "id,x\n1,é\n".encode("cp1252"))
    with pytest.raises(DataValidationError, match=r"s\.csv.*cannot be decoded as utf-8"):
        read_survey(path, encoding="utf-8")


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter_detected(tmp_path, delim):
    text = delim.join(["id", "q1", "q2", "note"]) + "\n"
    for k in range(5):
        text += delim.join([str(k), str(k % 7 + 1), "3", f'"a, b; c | {k}"']) + "\n"
    s = read_survey(write(tmp_path, "d.csv", text))
    assert s.report.delimiter == delim
    assert s.data.shape == (5, 4)
    assert s.data["note"].iloc[2] == "a, b; c | 2"


def test_delimiter_given_and_tsv_extension(tmp_path):
    s = read_survey(write(tmp_path, "d.txt", "a;b\n1;2\n"), delimiter=";")
    assert not s.report.delimiter_detected and s.data["b"].tolist() == [2]
    t = read_survey(write(tmp_path, "d.tsv", "a\tb\n1\t2,5\n"))
    assert t.report.delimiter == "\t" and t.report.decimal == ","
    assert t.data["b"].tolist() == [2.5]


def test_decimal_comma_detected_with_semicolon(tmp_path):
    text = "id;score;weight\n1;3,5;70\n2;4,25;80,5\n3;;90\n"
    s = read_survey(write(tmp_path, "dc.csv", text))
    assert s.report.delimiter == ";" and s.report.decimal == "," and s.report.decimal_detected
    np.testing.assert_allclose(s.data["score"], [3.5, 4.25, np.nan])
    np.testing.assert_allclose(s.data["weight"], [70, 80.5, 90])


def test_decimal_point_with_semicolon_stays_point(tmp_path):
    s = read_survey(write(tmp_path, "dp.csv", "id;score\n1;3.5\n2;4\n"))
    assert s.report.decimal == "."
    assert s.data["score"].tolist() == [3.5, 4.0]


def test_types_and_missing_tokens(tmp_path):
    text = "id,flag,x,t\n1,True,NA,hello\n2,False,2,\n3,true,#N/A,x\n"
    s = read_survey(write(tmp_path, "t.csv", text))
    assert s.data["id"].dtype == np.int64
    assert s.data["flag"].dtype == bool and s.data["flag"].tolist() == [True, False, True]
    assert s.data["x"].isna().tolist() == [True, False, True]
    assert s.data["t"].tolist()[0] == "hello" and pd.isna(s.data["t"].iloc[1])


def test_text_in_numeric_column_is_kept_and_noted(tmp_path):
    text = "id,q1\n" + "".join(f"{k},{k % 5 + 1}\n" for k in range(8)) + "9,five\n"
    s = read_survey(write(tmp_path, "t.csv", text))
    assert s.data["q1"].dtype == object
    assert len(s.data) == 9
    note = next(n for n in s.report.notes if "'q1'" in n)
    assert "1 non-numeric cell(s) (text) in file row(s) 10" in note
    assert "five" not in note  # a cell's content never reaches a note (it could be an e-mail)


def test_sha256_and_report_fields(tmp_path):
    raw = b"id,q\n1,2\n2,3\n"
    path = write(tmp_path, "h.csv", raw)
    s = read_survey(path)
    assert s.report.sha256 == hashlib.sha256(raw).hexdigest()
    assert (s.report.n_rows, s.report.n_columns, s.report.n_rows_read) == (2, 2, 2)
    d = s.report.to_dict()
    json.dumps(d)  # serialisable
    assert d["sha256"] == s.report.sha256 and d["format"] == "csv"
    assert isinstance(s, SurveyData) and isinstance(s.report, ReadReport)


def test_missing_codes_list_and_dict(tmp_path):
    text = "id,q1,q2,age\n1,-9,3,99\n2,99,-9,40\n3,2,4,-9\n"
    path = write(tmp_path, "m.csv", text)
    s = read_survey(path, missing_codes=[-9, 99])
    assert s.data[["q1", "q2", "age"]].isna().sum().tolist() == [2, 1, 2]
    rec = s.report.recodings_table
    assert list(rec.columns) == ["column", "from_value", "to_value", "count", "reason"]
    assert set(zip(rec["column"], rec["from_value"], rec["count"])) == {
        ("q1", -9, 1), ("q1", 99, 1), ("q2", -9, 1), ("age", 99, 1), ("age", -9, 1),
    }  # fmt: skip
    t = read_survey(path, missing_codes={"q1": [-9, 99]})
    assert t.data["age"].tolist() == [99, 40, -9]
    assert t.data["q1"].isna().sum() == 2
    with pytest.raises(DataValidationError, match="missing_codes names column"):
        read_survey(path, missing_codes={"nope": [1]})


def test_text_missing_code_makes_column_numeric(tmp_path):
    s = read_survey(
        write(tmp_path, "m.csv", "id,q\n1,refused\n2,3\n3,4\n"), missing_codes=["refused"]
    )
    assert s.data["q"].dtype == np.float64
    assert s.report.recodings[0].from_value == "refused"


def test_excel_zip_named_csv_is_caught(tmp_path):
    book = tmp_path / "book.xlsx"
    pd.DataFrame({"a": [1, 2]}).to_excel(book, index=False)
    with pytest.raises(DataValidationError, match="is an Excel workbook, not a CSV text file"):
        read_survey(write(tmp_path, "x.csv", book.read_bytes()))
    with pytest.raises(DataValidationError, match="is a ZIP archive, not a CSV text file"):
        read_survey(write(tmp_path, "z.csv", b"PK\x03\x04rest"))


# ----------------------------------------------------------------------------- Qualtrics


def test_qualtrics_three_row_header(tmp_path):
    s = read_survey(write(tmp_path, "q.csv", qualtrics_bytes()))
    assert s.report.qualtrics == "three_row" and s.report.header_rows == 3
    assert s.report.encoding == "utf-8-sig"
    assert len(s.data) == 8  # previews kept by default ...
    assert any("2 Qualtrics preview/test" in n for n in s.report.notes)  # ... with a note
    assert s.metadata["Q1_2"] == ITEM_TEXT[1]
    assert s.metadata["ResponseId"] == "Response ID"
    assert s.data["Q1_1"].dtype == np.int64
    assert s.data["Duration (in seconds)"].dtype == np.int64


def test_qualtrics_drop_previews(tmp_path):
    s = read_survey(write(tmp_path, "q.csv", qualtrics_bytes()), drop_previews=True)
    assert len(s.data) == 6 and s.report.n_rows_read == 8 and s.report.n_dropped == 2
    reasons = s.report.dropped_table
    assert reasons["count"].sum() == 2
    assert any("preview" in r for r in reasons["reason"]) and any(
        "test" in r for r in reasons["reason"]
    )
    # file rows count the three header rows: the previews are the 10th and 11th rows
    assert sorted(r for d in s.report.dropped for r in d.rows) == [10, 11]
    assert not s.data["DistributionChannel"].isin(["preview", "test"]).any()


def test_qualtrics_numeric_status_previews(tmp_path):
    rows = [_response(k) for k in range(4)]
    rows.append(_response(5, channel="anonymous", status=1))  # preview flagged only by Status
    s = read_survey(write(tmp_path, "q.csv", qualtrics_bytes(rows)), drop_previews=True)
    assert len(s.data) == 4
    assert "Status = 1" in s.report.dropped[0].reason


def test_qualtrics_label_status_previews(tmp_path):
    rows = [_response(k) for k in range(3)]
    rows[0][2] = "Survey Preview"
    rows[1][2] = "IP Address"
    rows[2][2] = "IP Address"
    s = read_survey(write(tmp_path, "q.csv", qualtrics_bytes(rows)), drop_previews=True)
    assert len(s.data) == 2


def test_qualtrics_legacy_two_row(tmp_path):
    s = read_survey(write(tmp_path, "q.csv", qualtrics_bytes(header="two")))
    assert s.report.qualtrics == "two_row" and s.report.header_rows == 2
    assert s.metadata["Q1_3"] == ITEM_TEXT[2]
    assert s.data["Q1_1"].dtype == np.int64


def test_qualtrics_tsv_utf16(tmp_path):
    raw = qualtrics_bytes(bom=False, delimiter="\t").decode("utf-8").encode("utf-16")
    s = read_survey(write(tmp_path, "q.tsv", raw), drop_previews=True)
    assert s.report.encoding == "utf-16" and s.report.qualtrics == "three_row"
    assert len(s.data) == 6


def test_qualtrics_extra_header_row_is_an_error(tmp_path):
    path = write(tmp_path, "q.csv", qualtrics_bytes(extra_import_row=True))
    with pytest.raises(
        DataValidationError, match=r"q\.csv.*4 rows.*ImportId row appears twice.*qualtrics=True"
    ):
        read_survey(path)
    s = read_survey(path, qualtrics=True, drop_previews=True)  # the documented way out
    assert len(s.data) == 6 and s.report.header_rows == 4


def test_qualtrics_missing_text_row_is_an_error(tmp_path):
    path = write(tmp_path, "q.csv", qualtrics_bytes(header="no_text"))
    with pytest.raises(
        DataValidationError, match=r"q\.csv.*missing its question-text row.*qualtrics=True"
    ):
        read_survey(path)
    s = read_survey(path, qualtrics=True)
    assert s.report.header_rows == 2 and s.data["Q1_1"].dtype == np.int64 and s.metadata == {}


def test_qualtrics_false_reads_one_header(tmp_path):
    s = read_survey(write(tmp_path, "q.csv", qualtrics_bytes()), qualtrics=False)
    assert s.report.qualtrics is None and s.report.header_rows == 1
    assert len(s.data) == 10  # question text and ImportId rows are data now
    assert s.data["Q1_1"].dtype == object


def test_qualtrics_header_only_is_an_error(tmp_path):
    with pytest.raises(DataValidationError, match=r"3 header rows but no data rows"):
        read_survey(write(tmp_path, "q.csv", qualtrics_bytes(rows=[])))


def test_qualtrics_missing_codes_and_previews_together(tmp_path):
    rows = [_response(k, q=(-9, 99, 3)) for k in range(3)] + [_response(9, channel="preview")]
    s = read_survey(
        write(tmp_path, "q.csv", qualtrics_bytes(rows)), missing_codes=[-9, 99], drop_previews=True
    )
    assert s.data["Q1_1"].isna().all() and s.data["Q1_2"].isna().all()
    assert {(r.column, r.from_value, r.count) for r in s.report.recodings} == {
        ("Q1_1", -9, 3),
        ("Q1_2", 99, 3),
    }


# ----------------------------------------------------------------------------- Excel, SPSS, Stata


def test_xlsx_plain_and_sheets(tmp_path):
    path = tmp_path / "s.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame({"id": [1, 2, 3], "q1": [1.5, None, 3.0], "site": ["A", "B", None]}).to_excel(
            xw, sheet_name="responses", index=False
        )
        pd.DataFrame({"x": [9]}).to_excel(xw, sheet_name="other", index=False)
    s = read_survey(path)
    assert s.report.format == "xlsx" and s.report.sheet == "responses"
    assert s.data["q1"].isna().tolist() == [False, True, False]
    assert s.data["id"].dtype == np.int64
    assert any("2 sheets" in n for n in s.report.notes)
    assert read_survey(path, sheet="other").data["x"].tolist() == [9]
    assert read_survey(path, sheet=1).data["x"].tolist() == [9]
    with pytest.raises(DataValidationError, match=r"no sheet named 'nope'.*responses"):
        read_survey(path, sheet="nope")


def test_xlsx_qualtrics_export(tmp_path):
    text = qualtrics_bytes(bom=False).decode("utf-8")
    grid = list(csv.reader(io.StringIO(text)))
    path = tmp_path / "q.xlsx"
    pd.DataFrame(grid).to_excel(path, header=False, index=False)
    s = read_survey(path, drop_previews=True)
    assert s.report.qualtrics == "three_row" and len(s.data) == 6
    assert s.data["Q1_1"].dtype == np.int64


@pytest.fixture
def sav_path(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0, 4.0, 5.0],
            "q1": [1.0, 7.0, -9.0, 99.0, 4.0],
            "cohort": [1.0, 2.0, 1.0, 2.0, 1.0],
            "sex": [1.0, 2.0, 3.0, 1.0, np.nan],
        }
    )
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels={"q1": "I learn from juniors", "cohort": "Cohort"},
        variable_value_labels={
            "q1": {1.0: "Strongly disagree", 7.0: "Strongly agree", -9.0: "No answer"},
            "cohort": {1.0: "2024", 2.0: "2025"},
            "sex": {1.0: "female", 2.0: "male"},
        },
        missing_ranges={"q1": [-9.0, 99.0]},
    )
    return path


def test_sav_user_missing_become_nan_and_reported(sav_path):
    s = read_survey(sav_path)
    assert s.report.format == "sav"
    assert s.data["q1"].tolist()[:2] == [1.0, 7.0] and s.data["q1"].isna().sum() == 2
    rec = {(r.column, r.from_value, r.count) for r in s.report.recodings}
    assert rec == {("q1", -9, 1), ("q1", 99, 1)}
    assert s.metadata["q1"] == "I learn from juniors"
    assert s.value_labels["cohort"] == {1.0: "2024", 2.0: "2025"}
    assert s.data["cohort"].tolist() == [1.0, 2.0, 1.0, 2.0, 1.0]  # codes by default


def test_sav_labels(sav_path):
    s = read_survey(sav_path, labels="labels")
    assert s.data["cohort"].tolist() == ["2024", "2025", "2024", "2025", "2024"]
    assert isinstance(s.data["cohort"].dtype, pd.CategoricalDtype)
    assert s.data["sex"].tolist()[:3] == ["female", "male", 3.0]  # unlabelled code kept
    assert any("'sex'" in n for n in s.report.notes)


def test_sav_extra_missing_codes(sav_path):
    s = read_survey(sav_path, missing_codes={"q1": [4]})
    assert s.data["q1"].isna().sum() == 3


def test_dta(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame({"id": [1, 2, 3], "site": [1, 2, 1], "q": [3.0, -9.0, 5.0]})
    path = tmp_path / "s.dta"
    pyreadstat.write_dta(
        df,
        str(path),
        column_labels={"q": "Quality"},
        variable_value_labels={"site": {1: "Leeds", 2: "Lyon"}},
    )
    s = read_survey(path, missing_codes=[-9])
    assert s.report.format == "dta" and s.data["q"].isna().sum() == 1
    assert s.metadata["q"] == "Quality"
    assert read_survey(path, labels="labels").data["site"].tolist() == ["Leeds", "Lyon", "Leeds"]


def test_example_files_read():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "examples"
    if not (root / "mentors_qualtrics.csv").exists():
        pytest.skip("examples not generated")
    m = read_survey(root / "mentors_qualtrics.csv", drop_previews=True, missing_codes=[-9, 99])
    assert m.report.qualtrics == "three_row" and m.report.n_dropped == 2 and len(m.data) == 60
    e = read_survey(root / "mentees.sav")
    assert len(e.data) > 60 and e.report.recodings


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "match"),
    [
        ("missing.csv", None, {}, r"missing\.csv: file not found"),
        ("data.json", b"{}", {}, r"data\.json: unknown file type '\.json'"),
        ("old.xls", b"x", {}, r"old\.xls: old Excel \.xls"),
        ("empty.csv", b"", {}, r"empty\.csv: the file is empty \(0 bytes\)"),
        ("blank.csv", b"\xef\xbb\xbf\r\n\r\n", {}, r"blank\.csv: the file is empty"),
        (
            "header.csv",
            b"id,q1,q2\r\n",
            {},
            r"header\.csv: the file has a header row but no data rows",
        ),
        (
            "dupes.csv",
            b"id,q1,q1\n1,2,3\n",
            {},
            r"dupes\.csv: duplicate column name\(s\) 'q1' \(columns 2 and 3\)",
        ),
        (
            "ragged.csv",
            b"id,q1\n1,2\n3,4,5,6\n",
            {},
            r"ragged\.csv: 1 row\(s\) do not have the header's 2 fields: line 3 has 4",
        ),
        ("fmt.csv", b"a\n1\n", {"format": "parquet"}, r"unknown format 'parquet'"),
        ("dec.csv", b"a\n1\n", {"decimal": ";"}, r"decimal must be"),
        ("enc.csv", b"a\n1\n", {"encoding": "klingon"}, r"unknown encoding"),
        ("lab.csv", b"a\n1\n", {"labels": "names"}, r"labels must be 'codes' or 'labels'"),
        ("prev.csv", None, {"drop_previews": True}, r"all 2 rows were dropped"),
        ("broken.sav", b"not an spss file", {}, r"broken\.sav: cannot be read as a SPSS"),
    ],
)
def test_bad_input(tmp_path, name, content, kwargs, match):
    path = tmp_path / name
    if name == "prev.csv":
        rows = [_response(1, channel="preview"), _response(2, channel="test")]
        path.write_bytes(qualtrics_bytes(rows))
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(DataValidationError, match=match) as info:
        read_survey(path, **kwargs)
    assert isinstance(info.value, LearningDirectionError) and isinstance(info.value, ValueError)


def test_folder_is_an_error(tmp_path):
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(DataValidationError, match="is a folder"):
        read_survey(tmp_path / "d.csv")


# ----------------------------------------------------------------------------- display


def test_summary_and_html_escape(tmp_path):
    text = 'id,"<script>alert(1)</script>"\n1,<b>x</b>\n'
    s = read_survey(write(tmp_path, "x.csv", text))
    out = s.summary()
    assert "Survey data" in out and "sha256" in out and "rows: 1" in out
    page = s._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert ld.read_survey is read_survey


def test_summary_shows_recodings_and_drops(tmp_path):
    rows = [_response(k, q=(-9, 3, 3)) for k in range(2)] + [_response(5, channel="preview")]
    s = read_survey(
        write(tmp_path, "q.csv", qualtrics_bytes(rows)), drop_previews=True, missing_codes=[-9]
    )
    out = s.summary()
    assert "Recodings:" in out and "Rows dropped:" in out and "Q1_1" in out
    assert "Recodings" in s._repr_html_()


# ----------------------------------------------------------------------------- properties


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.lists(
            st.one_of(
                st.integers(-100, 100),
                st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3)),
            ),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=20,
    ),
    delim=st.sampled_from([",", ";", "\t", "|"]),
)
def test_roundtrip_numbers(tmp_path, values, delim):
    df = pd.DataFrame(values, columns=["a", "b", "c"]).astype(float)
    path = tmp_path / "r.csv"
    df.to_csv(path, sep=delim, index=False)
    s = read_survey(path)
    assert len(s.data) == len(df)
    np.testing.assert_allclose(s.data.to_numpy(dtype=float), df.to_numpy(), rtol=0, atol=0)


def test_blank_rows_dropped_and_reported(tmp_path):
    s = read_survey(write(tmp_path, "ws.csv", "id, q1 ,flag\n1, 3 ,True\n\n2,4,\n,,\n3, 5,False\n"))
    assert list(s.data.columns) == ["id", "q1", "flag"]
    assert s.data["id"].dtype == np.int64 and s.data["q1"].tolist() == [3, 4, 5]
    assert s.data["flag"].tolist()[0] is True and pd.isna(s.data["flag"].iloc[1])
    assert s.report.dropped[0].reason == "entirely empty row" and s.report.dropped[0].count == 1
    assert s.report.n_rows_read == 4 and s.report.n_rows == 3
