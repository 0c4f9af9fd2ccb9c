"""Output directories written all or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from socsim.errors import ConfigError


@contextmanager
def atomic_directory(out: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary sibling of `out` to write into; once the block succeeds it replaces
    `out` whole, and on any error it is removed, so `out` is never left half-written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out={str(out)!r} is a file, expected a directory path")
    try:
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    except OSError as error:
        raise ConfigError(
            f"--out={str(out)!r}: {error.strerror or error}, expected a writable directory path"
        ) from None
    try:
        yield tmp
        mask = os.umask(0o022)
        os.umask(mask)
        tmp.chmod(0o777 & ~mask)  # mkdtemp makes it private; give it the usual mode
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(error, OSError):
            raise ConfigError(f"--out={str(out)!r}: {error.strerror or error}") from None
        raise
