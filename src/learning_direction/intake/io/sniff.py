"""What a file really is, from its first bytes: so that a message can say it.

A survey export that fails to read is often something else under the expected name: a
gzip-compressed CSV, an Excel workbook saved as ``.csv``, a password-protected (encrypted)
workbook or SPSS file, an old ``.xls``, a PDF. :func:`describe_binary` recognises these by their
signatures; the readers turn the description into an error that says what the file is and what
to do.
"""

from __future__ import annotations

__all__ = [
    "describe_binary",
    "is_encrypted_sav",
    "is_encrypted_xlsx",
    "is_ole",
    "is_spss",
    "is_zip",
]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# (signature at offset 0, description, what to do)
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "a gzip-compressed file",
     "decompress it first (e.g. `gunzip`, or 7-Zip on Windows) and read the file inside"),
    (b"BZh", "a bzip2-compressed file", "decompress it first (e.g. `bunzip2`) and read the file inside"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it first (e.g. `unxz`) and read the file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it first and read the export inside"),
    (b"%PDF", "a PDF document", "export the survey data itself (CSV, Excel or SPSS), not a PDF"),
    (b"PAR1", "a Parquet file", "export the survey as CSV, Excel or SPSS"),
    (b"$FL2", "an SPSS .sav file", "rename it to .sav (or pass format='sav')"),
    (b"$FL3", "an SPSS .zsav file", "rename it to .zsav (or pass format='sav')"),
)  # fmt: skip


def is_zip(raw: bytes) -> bool:
    return raw.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def is_ole(raw: bytes) -> bool:
    """An OLE2 compound document: an old .xls/.doc, or an encrypted Office file."""
    return raw.startswith(_OLE)


def is_encrypted_xlsx(raw: bytes) -> bool:
    """A password-protected Office Open XML file (an OLE container with an EncryptedPackage)."""
    return is_ole(raw) and _ENCRYPTED_PACKAGE in raw[: 1 << 20]


def is_spss(raw: bytes) -> bool:
    return raw.startswith((b"$FL2", b"$FL3"))


def is_encrypted_sav(raw: bytes) -> bool:
    """An SPSS file saved with a password (the 'ENCRYPTEDSAV' wrapper of SPSS 21 and later)."""
    return raw[8:20] == b"ENCRYPTEDSAV"


def describe_binary(raw: bytes) -> tuple[str, str] | None:
    """``(what the file is, what to do)`` for a file that is not text, else None."""
    for sig, what, todo in _SIGNATURES:
        if raw.startswith(sig):
            return what, todo
    if is_encrypted_xlsx(raw):
        return (
            "a password-protected (encrypted) Excel workbook",
            "open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt "
            "with Password, clear it) and save it again as .xlsx",
        )
    if is_ole(raw):
        return (
            "an old Excel 97-2003 workbook (.xls) or another Office file",
            "open it in Excel and save it as .xlsx (or export it as CSV)",
        )
    if is_zip(raw):
        if b"xl/" in raw[: 1 << 16] or b"[Content_Types].xml" in raw[: 1 << 16]:
            return "an Excel workbook", "rename it to .xlsx (or pass format='xlsx')"
        return "a ZIP archive", "extract it first and read the export inside"
    if is_encrypted_sav(raw):
        return (
            "a password-protected (encrypted) SPSS file",
            "open it in SPSS and save it again without a password (File > Save As, untick "
            "'Encrypt file with password')",
        )
    return None
