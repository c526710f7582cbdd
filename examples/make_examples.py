"""Generate the example exports that ``examples/evaluation.yaml`` points to.

Writes, next to this script:

- ``mentors_qualtrics.csv``: a Qualtrics-style export (UTF-8 with BOM, Windows line endings,
  three header rows: field names, question text, ImportId JSON) of a mentor survey: learning
  direction (Q2_1..Q2_12), learning opportunity (Q3_1..Q3_4) and mentor engagement
  (Q4_1..Q4_6), cohort and site as embedded data, names/e-mails/IP addresses as direct
  identifiers, a few ``-9``/``99`` missing codes and two preview responses;
- ``mentees.sav``: an SPSS file of the mentees (one or two per mentor, linked by
  ``mentor_code``) with mentee experience (Q7_1..Q7_5) and a program manager's hireability
  rating (Q8_1..Q8_3), value labels and user-missing codes ``-9``/``99``;
- ``evaluation.schema.json``: the JSON schema of the evaluation config.

The data are simulated (plain numpy, fixed seed), so the files are the same on every run:
learning direction (downward) -> mentor engagement -> mentee experience, with assumed effects.
Run: ``python examples/make_examples.py``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = 20261122
N_MENTORS = 60

FIRST = ["Ana", "Ben", "Chloé", "Dev", "Eun-ji", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Kemi", "Lars", "Maya", "Nils", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tariq"]  # fmt: skip
LAST = ["Adler", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ito",
        "Jensen", "Kowalski", "López", "Müller", "Nakamura", "Okafor", "Peters", "Quinn", "Rossi"]  # fmt: skip


def _items(scale: str) -> list[dict]:
    spec = yaml.safe_load((ROOT / "scales" / f"{scale}.yaml").read_text(encoding="utf-8"))
    if "items" in spec:
        return spec["items"]
    return [it for sub in spec["subscales"].values() for it in sub["items"]]


def _likert(
    rng: np.random.Generator, latent: np.ndarray, items: list[dict], loading: float = 0.8
) -> np.ndarray:
    """7-point answers: 4 + loading * latent + noise, rounded and clipped; reverse items flipped."""
    out = np.empty((len(latent), len(items)))
    for k, it in enumerate(items):
        x = 4.3 + 1.1 * (loading * latent + rng.normal(0, 0.6, len(latent)))
        x = np.clip(np.rint(x), 1, 7)
        out[:, k] = 8 - x if it.get("reverse") else x
    return out


def _sprinkle(
    rng: np.random.Generator, values: np.ndarray, codes=(-9, 99), share=0.015
) -> np.ndarray:
    values = values.copy()
    mask = rng.random(values.shape) < share
    values[mask] = rng.choice(codes, size=int(mask.sum()))
    return values


def make_mentors(
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, str], np.ndarray, np.ndarray]:
    n = N_MENTORS
    ld_items, lo_items, eng_items = (
        _items("learning_direction"),
        _items("learning_opportunity"),
        _items("mentor_engagement"),
    )
    up, lat, down = rng.normal(size=(3, n))
    lo = 0.5 * down + rng.normal(0, 0.85, n)
    eng = 0.25 * down + 0.35 * lo + rng.normal(0, 0.85, n)
    ld = np.hstack(
        [_likert(rng, v, ld_items[4 * k : 4 * k + 4]) for k, v in enumerate((up, lat, down))]
    )
    answers = np.hstack([ld, _likert(rng, lo, lo_items), _likert(rng, eng, eng_items)])
    answers = _sprinkle(rng, answers)
    start = pd.Timestamp("2025-03-03 08:00:00") + pd.to_timedelta(
        np.sort(rng.integers(0, 14 * 86400, n)), unit="s"
    )
    duration = rng.integers(180, 1500, n)
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    df = pd.DataFrame(
        {
            "StartDate": start.strftime("%Y-%m-%d %H:%M:%S"),
            "EndDate": (start + pd.to_timedelta(duration, unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
            "Status": 0,
            "IPAddress": [f"192.0.2.{k}" for k in rng.integers(1, 255, n)],
            "Progress": 100,
            "Duration (in seconds)": duration,
            "Finished": 1,
            "RecordedDate": (start + pd.to_timedelta(duration + 1, unit="s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "ResponseId": [
                f"R_{''.join(rng.choice(list('abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'), 15))}"
                for _ in range(n)
            ],
            "RecipientLastName": last,
            "RecipientFirstName": first,
            "RecipientEmail": [f"{f.lower()}.{s.lower()}@example.org" for f, s in zip(first, last)],
            "ExternalReference": [f"M{k:03d}" for k in range(1, n + 1)],
            "LocationLatitude": np.round(rng.uniform(48, 55, n), 4),
            "LocationLongitude": np.round(rng.uniform(-3, 14, n), 4),
            "DistributionChannel": "email",
            "UserLanguage": "EN",
        }
    )
    text = {c: c for c in df.columns}
    text.update({"StartDate": "Start Date", "EndDate": "End Date", "Status": "Response Type",
                 "IPAddress": "IP Address", "RecordedDate": "Recorded Date", "ResponseId": "Response ID",
                 "RecipientLastName": "Recipient Last Name", "RecipientFirstName": "Recipient First Name",
                 "RecipientEmail": "Recipient Email", "ExternalReference": "External Data Reference",
                 "LocationLatitude": "Location Latitude", "LocationLongitude": "Location Longitude",
                 "DistributionChannel": "Distribution Channel", "UserLanguage": "User Language"})  # fmt: skip
    blocks = [("Q2", ld_items, "Thinking about where useful knowledge comes from at work, how much do you agree?"),
              ("Q3", lo_items, "About mentoring in this program:"),
              ("Q4", eng_items, "About your mentoring over the past three months:")]  # fmt: skip
    col = 0
    for q, items, stem in blocks:
        for k, it in enumerate(items, start=1):
            name = f"{q}_{k}"
            df[name] = answers[:, col].astype(int)
            text[name] = f"{stem}\n - {it['text']}"
            col += 1
    comments = ["", "", "Great program, thanks!", "", 'More time for "reverse mentoring", please.',
                "", "Meetings were hard to schedule,\nbut worth it.", ""]  # fmt: skip
    df["Q5"] = rng.choice(comments, n)
    text["Q5"] = "Anything else you would like to tell us about the program?"
    df["cohort"] = np.where(np.arange(n) < n // 2, "2024", "2025")
    df["site"] = rng.choice(["Berlin", "Leeds", "Lyon"], n)
    text["cohort"] = "cohort"
    text["site"] = "site"
    # two preview responses made while testing the survey
    preview = df.iloc[:2].copy()
    preview["Status"] = 1
    preview["DistributionChannel"] = "preview"
    preview["ResponseId"] = ["R_previewA1b2C3d4E5", "R_previewF6g7H8j9K0"]
    preview[["RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference"]] = ""
    preview[["IPAddress"]] = "198.51.100.7"
    df = pd.concat([preview, df], ignore_index=True)
    return df, text, eng, down


def write_qualtrics_csv(df: pd.DataFrame, text: dict[str, str], path: Path) -> None:
    import_ids = {
        "StartDate": '{"ImportId":"startDate","timeZone":"Europe/Berlin"}',
        "EndDate": '{"ImportId":"endDate","timeZone":"Europe/Berlin"}',
        "RecordedDate": '{"ImportId":"recordedDate","timeZone":"Europe/Berlin"}',
        "Duration (in seconds)": '{"ImportId":"duration"}',
        "ResponseId": '{"ImportId":"_recordId"}',
    }
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(df.columns)
    writer.writerow([text[c] for c in df.columns])
    ids = []
    for c in df.columns:
        if c in import_ids:
            ids.append(import_ids[c])
        elif c.startswith("Q") and "_" in c:
            q, k = c.split("_")
            ids.append(f'{{"ImportId":"QID{q[1:]}_{k}"}}')
        elif c.startswith("Q"):
            ids.append(f'{{"ImportId":"QID{c[1:]}_TEXT"}}')
        else:
            ids.append(f'{{"ImportId":"{c[0].lower() + c[1:]}"}}')
    writer.writerow(ids)
    for row in df.itertuples(index=False):
        writer.writerow(["" if (isinstance(v, float) and v != v) else v for v in row])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def make_mentees(rng: np.random.Generator, mentors: pd.DataFrame, eng: np.ndarray) -> pd.DataFrame:
    real = mentors[mentors["DistributionChannel"] != "preview"].reset_index(drop=True)
    per = rng.integers(1, 3, len(real))
    idx = np.repeat(np.arange(len(real)), per)
    m = len(idx)
    mx_items, hire_items = _items("mentee_experience"), _items("hireability")
    experience = 0.45 * eng[idx] + rng.normal(0, 0.9, m)
    hire = 0.4 * experience + rng.normal(0, 0.9, m)
    first = rng.choice(FIRST, m)
    last = rng.choice(LAST, m)
    df = pd.DataFrame(
        {
            "mentee_id": [f"E{k:04d}" for k in range(1, m + 1)],
            "mentor_code": real["ExternalReference"].to_numpy()[idx],
            "name": [f"{f} {s}" for f, s in zip(first, last)],
            "email": [f"{f.lower()}.{s.lower()}@example.org" for f, s in zip(first, last)],
            "cohort": np.where(real["cohort"].to_numpy()[idx] == "2024", 1.0, 2.0),
            "site": pd.Series(real["site"].to_numpy()[idx])
            .map({"Berlin": 1.0, "Leeds": 2.0, "Lyon": 3.0})
            .to_numpy(),
        }
    )
    mx = _sprinkle(rng, _likert(rng, experience, mx_items))
    hr = _sprinkle(rng, _likert(rng, hire, hire_items))
    for k in range(mx.shape[1]):
        df[f"Q7_{k + 1}"] = mx[:, k]
    for k in range(hr.shape[1]):
        df[f"Q8_{k + 1}"] = hr[:, k]
    return df


def write_sav(df: pd.DataFrame, path: Path) -> None:
    import pyreadstat

    mx_items, hire_items = _items("mentee_experience"), _items("hireability")
    agree = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Somewhat disagree", 4.0: "Neither agree nor disagree",
             5.0: "Somewhat agree", 6.0: "Agree", 7.0: "Strongly agree", -9.0: "No answer", 99.0: "Not applicable"}  # fmt: skip
    labels = {"mentee_id": "Mentee ID", "mentor_code": "Mentor ID (ExternalReference in the mentor survey)",
              "name": "Mentee name", "email": "Mentee e-mail", "cohort": "Cohort", "site": "Site"}  # fmt: skip
    value_labels = {
        "cohort": {1.0: "2024", 2.0: "2025"},
        "site": {1.0: "Berlin", 2.0: "Leeds", 3.0: "Lyon"},
    }
    missing = {}
    for prefix, items in (("Q7", mx_items), ("Q8", hire_items)):
        for k, it in enumerate(items, start=1):
            name = f"{prefix}_{k}"
            labels[name] = it["text"]
            value_labels[name] = agree
            missing[name] = [-9.0, 99.0]
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure={c: "ordinal" for c in missing},
    )
    # make the file byte-for-byte reproducible: fix the creation date/time in the header
    raw = bytearray(path.read_bytes())
    raw[92:101] = b"01 Jan 26"
    raw[101:109] = b"00:00:00"
    path.write_bytes(bytes(raw))


def main() -> None:
    rng = np.random.default_rng(SEED)
    mentors, text, eng, _down = make_mentors(rng)
    eng_real = eng  # engagement of the real (non-preview) mentors, in order
    write_qualtrics_csv(mentors, text, HERE / "mentors_qualtrics.csv")
    mentees = make_mentees(rng, mentors, eng_real)
    write_sav(mentees, HERE / "mentees.sav")
    from learning_direction.evaluation.config import config_json_schema

    (HERE / "evaluation.schema.json").write_text(
        json.dumps(config_json_schema(), indent=2) + "\n", encoding="utf-8"
    )
    for name in ("mentors_qualtrics.csv", "mentees.sav", "evaluation.schema.json"):
        print(HERE / name)


if __name__ == "__main__":
    main()
