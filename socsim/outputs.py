"""Where socsim writes: output folders and files that never destroy a user's files.

The rule, for every command that writes (`run`, `paper`, `layers`, `sweep`, `codesign`):

- A folder (`OutputDir`) is written into only when it is new, empty, or the previous output
  of the same command, recognised by the manifest that command left in it
  (``.socsim-manifest.json``, listing exactly the entries it wrote). Anything else is refused
  unless `force`; even then socsim writes only its own names, and a foreign file of one of
  those names is never overwritten.
- `.`, `..`, `/`, the home folder, a mount point and every folder that contains the working
  directory are refused outright, `force` or not.
- Replacing an output replaces files, never the folder: every new file is first written
  whole into a hidden staging folder inside it (``.socsim-staging-<command>-*``), which is
  then moved into place one rename at a time, followed by the manifest. A kill before the
  manifest of the staging folder is written leaves the old output untouched; a kill after it
  leaves a complete staging folder, which the next write into the folder finishes moving.
  Either way the next write cleans up, and it removes only staging folders carrying socsim's
  own prefix whose writer is gone (their writer holds a lock on them while it lives).
- A file (`write_file`) replaces an existing file only with `force`, and only a regular file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from socsim.errors import ConfigError

MANIFEST = ".socsim-manifest.json"
STAGING = ".socsim-staging-"  # + command + "-" + random: socsim's own marker
COMPLETE = ".complete"  # in a staging folder: its manifest, written once every file is whole


def check_target(
    path: str | os.PathLike, *, flag: str = "--out", expected: str = "a new folder"
) -> Path:
    """`path` resolved, or a ConfigError if no output may ever go there (see the module)."""
    given = str(path)
    if not given.strip():
        raise ConfigError(f"{flag}={given!r} is empty, expected {expected}")
    resolved = Path(path).resolve()
    cwd = Path.cwd().resolve()
    try:
        home = Path.home().resolve()
    except RuntimeError:  # no home folder known
        home = None
    reason = None
    if resolved == Path(resolved.anchor):
        reason = "is the root folder"
    elif resolved == home:
        reason = "is the home folder"
    elif resolved == cwd or resolved in cwd.parents:
        reason = "holds the working directory"
    elif os.path.ismount(resolved):
        reason = "is a mount point"
    if reason:
        raise ConfigError(f"{flag}={given!r} {reason}, expected {expected}")
    return resolved


class OutputDir:
    """The folder `path` claimed for `command`'s output; raises ConfigError at once (before
    any work) if the rules of the module forbid writing there.

    `write()` yields a staging folder to fill and, once the block succeeds, moves what it
    holds into place; `claim()` instead records names that the command then writes itself
    over time (a sweep's dataset). `flag` names the option in messages.
    """

    def __init__(
        self, path: str | os.PathLike, command: str, *, force: bool = False, flag: str = "--out"
    ) -> None:
        self.given = str(path)
        self.path = check_target(path, flag=flag)
        self.command = command
        self.force = force
        self.flag = flag
        if self.path.exists() and not self.path.is_dir():
            raise ConfigError(f"{flag}={self.given!r} is a file, expected a folder path")
        if self.path.is_dir():
            with self._locked():
                self._recover()
                self._owned()  # refuses a folder socsim may not write into

    @classmethod
    def of(cls, out: OutputDir | str | os.PathLike, command: str) -> OutputDir:
        return out if isinstance(out, OutputDir) else cls(out, command)

    @contextlib.contextmanager
    def write(self) -> Iterator[Path]:
        """Yields an empty staging folder; on success its entries replace the output (see the
        module), and on any error nothing in the folder has changed."""
        created = self._make()
        try:
            with self._locked():
                self._recover()
                self._owned()  # again: the folder may have changed since the check
            stage = Path(tempfile.mkdtemp(dir=self.path, prefix=f"{STAGING}{self.command}-"))
        except BaseException:
            self._unmake(created)
            raise
        stage_fd = os.open(stage, os.O_RDONLY)
        fcntl.flock(stage_fd, fcntl.LOCK_EX)  # says "my writer lives" to other writers
        try:
            yield stage
            names = sorted(entry.name for entry in stage.iterdir())
            _write_synced(stage / COMPLETE, json.dumps(self._manifest(names)).encode())
            with self._locked():
                self._commit(stage)
        except BaseException as error:
            shutil.rmtree(stage, ignore_errors=True)
            self._unmake(created)
            if isinstance(error, OSError):
                raise self._error(error) from None
            raise
        finally:
            os.close(stage_fd)

    def claim(self, names: Iterable[str]) -> None:
        """Records `names` as this command's entries of the folder (creating it), so the
        command may write them; refuses a name that a foreign entry already holds."""
        created = self._make()
        try:
            with self._locked():
                self._recover()
                owned = self._owned()
                names = sorted(set(names) | owned)
                self._refuse_clashes(names, owned)
                replace_file(self.path / MANIFEST, json.dumps(self._manifest(names)).encode())
        except BaseException:
            self._unmake(created)
            raise

    # -- the folder's state -----------------------------------------------------------------

    def _owned(self) -> set[str]:
        """The names socsim wrote here for this command; raises if the folder is not ours."""
        manifest = _read_manifest(self.path)
        if manifest is not None and manifest["command"] != self.command:
            if not self.force:
                raise ConfigError(
                    f"{self.flag}={self.given!r} holds the output of 'socsim "
                    f"{manifest['command']}'; choose another {self.flag} or pass --force to "
                    "replace socsim's own files in it"
                )
            manifest = None  # another command's files: kept, never replaced
        owned = manifest["files"] if manifest else set()
        foreign = sorted(
            name
            for name in os.listdir(self.path)
            if name != MANIFEST and not name.startswith(STAGING) and name not in owned
        )
        if foreign and not self.force:
            raise ConfigError(
                f"{self.flag}={self.given!r} exists and holds files socsim did not write "
                f"({_some(foreign)}); choose another {self.flag} or pass --force to replace "
                "socsim's own files in it"
            )
        return owned

    def _refuse_clashes(self, names: Iterable[str], owned: set[str]) -> None:
        for name in names:
            if name not in owned and os.path.lexists(self.path / name):
                raise ConfigError(
                    f"{self.flag}={self.given!r}: {name} exists and socsim did not write it; "
                    f"move it or choose another {self.flag} (--force never replaces it)"
                )

    def _manifest(self, names: list[str]) -> dict[str, Any]:
        from socsim import __version__

        return {"command": self.command, "files": names, "socsim": __version__}

    # -- moving a staging folder into place -------------------------------------------------

    def _commit(self, stage: Path) -> None:
        """Moves a complete staging folder's entries into place, then its manifest; removes
        the entries of the old manifest that the new one no longer lists."""
        new = json.loads((stage / COMPLETE).read_text())["files"]
        old = _read_manifest(self.path)
        owned = old["files"] if old and old["command"] == self.command else set()
        self._refuse_clashes([name for name in new if (stage / name).exists()], owned)
        for name in new:
            if os.path.lexists(stage / name):
                os.replace(stage / name, self.path / name)
        os.replace(stage / COMPLETE, self.path / MANIFEST)
        for name in owned - set(new):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                os.unlink(self.path / name)  # a file of the old output the new one lacks
        _sync_dir(self.path)
        os.rmdir(stage)

    def _recover(self) -> None:
        """Finishes (complete) or removes (incomplete) the staging folders of dead writers."""
        for stage in self.path.glob(f"{STAGING}{self.command}-*"):
            if not stage.is_dir() or stage.is_symlink():
                continue
            fd = os.open(stage, os.O_RDONLY)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its writer is alive
                if (stage / COMPLETE).exists():
                    self._commit(stage)
                else:
                    shutil.rmtree(stage)
            finally:
                os.close(fd)

    # -- creating, locking, errors ----------------------------------------------------------

    def _make(self) -> list[Path]:
        """Creates the folder and missing parents; returns those it created, deepest first."""
        created = [p for p in (self.path, *self.path.parents) if not p.exists()]
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._error(error) from None
        return created

    def _unmake(self, created: list[Path]) -> None:
        for path in created:
            with contextlib.suppress(OSError):
                path.rmdir()  # only while empty

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialises recovery and commits of writers of the same folder."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _error(self, error: OSError) -> ConfigError:
        return ConfigError(
            f"{self.flag}={self.given!r}: {error.strerror or error}, expected a writable folder"
        )


def write_file(
    path: str | os.PathLike, data: str | bytes, *, force: bool = False, flag: str = "--out"
) -> None:
    """Writes `data` to the file `path` whole or not at all; an existing file is replaced only
    with `force`, and never anything but a regular file."""
    target = check_file(path, force=force, flag=flag)
    try:
        replace_file(target, data.encode() if isinstance(data, str) else data)
    except OSError as error:
        raise ConfigError(
            f"{flag}={str(path)!r}: {error.strerror or error}, expected a writable file path"
        ) from None


def check_file(path: str | os.PathLike, *, force: bool = False, flag: str = "--out") -> Path:
    """`path` resolved if `write_file` may write there (a regular file only with `force`, in
    a folder that exists), else a ConfigError: checked before a long computation."""
    given = str(path)
    target = check_target(path, flag=flag, expected="a file path")
    if target.is_dir():
        raise ConfigError(f"{flag}={given!r} is a folder, expected a file path")
    if os.path.lexists(target) and not target.is_file():
        raise ConfigError(f"{flag}={given!r} is not a regular file, expected a file path")
    if target.exists() and not force:
        raise ConfigError(
            f"{flag}={given!r} exists; choose another {flag} or pass --force to replace it"
        )
    if not target.parent.is_dir():
        raise ConfigError(
            f"{flag}={given!r}: no folder {str(target.parent)!r}, expected a file path"
        )
    return target


def replace_file(path: Path, data: bytes | Callable[[IO[Any]], Any], mode: str = "wb") -> None:
    """Writes a temporary sibling of `path` (bytes, or through `data(stream)` opened in
    `mode`), syncs it to disk, and renames it over `path`; on any error removes it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as stream:
            data(stream) if callable(data) else stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_dir(path.parent)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest as {"command": str, "files": set of plain names}, or None.

    An unreadable one claims nothing, and only plain names count: a manifest can never
    make socsim write outside its folder."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        command, files = manifest["command"], manifest["files"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError):
        return {"command": None, "files": set()}
    if not isinstance(files, list):
        files = []
    plain = {
        name
        for name in files
        if isinstance(name, str)
        and name not in ("", ".", "..", MANIFEST)
        and "/" not in name
        and os.sep not in name
        and not name.startswith(STAGING)
    }
    return {"command": command, "files": plain}


def _sync_dir(folder: Path) -> None:
    """Makes renames in `folder` durable (POSIX)."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _some(names: list[str], most: int = 3) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
