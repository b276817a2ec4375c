"""What the Word and Excel writers share: the fixed date every file carries, and zip archives
made byte-identical on rerun.

A .docx or .xlsx is a zip archive; python-docx and openpyxl stamp each member with the time of
writing, so the same table written twice would differ. `stable_zip` rewrites an archive with
one fixed time, in the members' original order, so that a rerun of the workflow reproduces
every file byte for byte.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

# The date written into every document's properties and archive: no file says when it was
# made (the results table and the manifest record the run).
FIXED_DATE = datetime(2000, 1, 1, 0, 0, 0)
AUTHOR = "tahsb-analysis"
_ZIP_DATE = FIXED_DATE.timetuple()[:6]


def stable_zip(archive: bytes) -> bytes:
    """`archive` rewritten with every member stamped `FIXED_DATE`, deflated, in order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member))
    return out.getvalue()


def write_bytes(data: bytes, path: Path) -> Path:
    """Write `data` to `path` (its folder made when missing); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
