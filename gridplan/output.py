"""Writing results to a folder, atomically.

Everything is written into a temporary sibling folder first, then swapped in
with a rename, so an interrupted run leaves either the complete previous
result or the complete new one, never half of either.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from gridplan.result import Result


def write_files(result: Result, folder: Path) -> None:
    """Write every result file into ``folder`` (which must exist)."""
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    result.capacity.to_csv(folder / "capacity.csv", index=False)
    result.dispatch.to_parquet(folder / "dispatch.parquet", index=False)
    result.prices.to_csv(folder / "prices.csv", index=False)
    result.costs.to_csv(folder / "costs.csv", index=False)
    result.targets.to_csv(folder / "targets.csv", index=False)
    result.kpis.to_csv(folder / "kpis.csv", index=False)
    if not result.availability.empty:
        result.availability.to_parquet(folder / "availability.parquet", index=False)


def _umask_mode(mode: int) -> int:
    """``mode`` less the process umask: the permissions a plain ``open`` or ``mkdir`` would give."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def write_file_atomically(path: str | Path, writer) -> Path:
    """Run ``writer(tmp_path)`` and rename the file into place as ``path``.

    Readers see the old file or the new one, never half of one. The
    temporary name is our own (not ``mkstemp``), so the file gets the usual
    permissions rather than 0600.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_atomically(out_dir: str | Path, writer) -> Path:
    """Run ``writer(tmp_folder)`` and then move the folder into place as ``out_dir``."""
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    tmp.chmod(_umask_mode(0o777))  # mkdtemp makes it 0700; a result folder is meant to be shared
    try:
        writer(tmp)
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_result(result: Result, out_dir: str | Path) -> Path:
    """Write ``result`` into ``out_dir`` atomically; return the folder."""
    return write_atomically(out_dir, lambda tmp: write_files(result, tmp))
