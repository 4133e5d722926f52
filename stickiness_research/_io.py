"""Safe file handling: input and output paths checked before any work, and atomic writes.

An output is refused (:class:`OutputPathError`) when it is an existing directory (or file, for a
folder), sits under a file, lies in a folder that cannot be written, or is one of the command's
inputs. Writes go to a temporary file in the target's folder and are moved into place with
``os.replace``, so a failure (disk full, killed process) never leaves a half-written output and
never touches the previous file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import LocatedError, OutputPathError, StickinessError

_UMASK = os.umask(0)
os.umask(_UMASK)
_EXCEL_MAGIC = {".xlsx": (b"PK\x03\x04",), ".xlsm": (b"PK\x03\x04",), ".xls": (b"\xd0\xcf\x11\xe0",)}


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_input(path: str | Path, error: type[StickinessError] = StickinessError, what: str = "file",
                hint: str = "") -> Path:
    """Check that ``path`` is an existing, readable file (a workbook when it is named ``.xlsx``/``.xls``).

    Parameters
    ----------
    path : str or Path
    error : type of StickinessError
        The named error to raise (``QuestionnaireError``, ``ResponseDataError``, ...); errors taking
        ``file=`` (located errors) get the path there.
    what : str
        What the file is, for the message ("questionnaire", "data file", "model file").
    hint : str, optional
        How to fix it, appended to the message.

    Returns
    -------
    Path

    Raises
    ------
    StickinessError
        ``error``: the file does not exist, is a directory, cannot be read, or is not the workbook its
        name says.
    """
    path = Path(path)
    if path.is_dir():
        problem = f"is a directory, not a {what}."
    elif not path.exists():
        problem = "file not found."
    elif not os.access(path, os.R_OK):
        problem = f"cannot be read (permission denied); check the {what}'s permissions."
    elif path.suffix.lower() in _EXCEL_MAGIC and not _starts_with(path, _EXCEL_MAGIC[path.suffix.lower()]):
        problem = (f"is not an Excel workbook although it is named {path.suffix}; if it is a CSV file, "
                   "rename it to .csv.")
    else:
        return path
    if issubclass(error, LocatedError):
        raise error(problem, file=str(path), hint=hint or None)
    raise error(f"{path}: {problem}" + (f" {hint}" if hint else ""))


def _starts_with(path: Path, signatures: tuple[bytes, ...]) -> bool:
    with path.open("rb") as handle:
        head = handle.read(8)
    return any(head.startswith(s) for s in signatures)


def check_output(path: str | Path, *, inputs: Iterable[str | Path | None] = (), kind: str = "file",
                 option: str = "-o") -> Path:
    """Refuse an output path that cannot or must not be written, before any work is done.

    Parameters
    ----------
    path : str or Path
        The file (``kind="file"``) or folder (``kind="dir"``) to write; missing parent folders are allowed
        when they can be created.
    inputs : iterable of paths
        The command's input files (``None`` entries are skipped); the output may not be one of them,
        compared by resolved path and by ``os.path.samefile`` (hard links, case-insensitive disks).
    kind : {"file", "dir"}
    option : str
        The option that named the path, for the hint.

    Returns
    -------
    Path
        ``path`` as a Path.

    Raises
    ------
    OutputPathError
        The path is an existing directory (a file, for ``kind="dir"``), lies under a file or in a folder
        that cannot be written, or is one of the inputs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_output(folder / "out.csv").name
    'out.csv'
    >>> check_output(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    stickiness_research.errors.OutputPathError: ...: is a directory, not a file; give a file name with -o, e.g. .../output.csv.
    """
    path = Path(path)
    for source in inputs:
        if source is not None and _same(path, Path(source)):
            raise OutputPathError(f"{path}: is an input of this command ({source}); inputs are never overwritten. "
                                  f"Give another path with {option}.")
    if kind == "file" and path.is_dir():
        raise OutputPathError(f"{path}: is a directory, not a file; give a file name with {option}, e.g. "
                              f"{path / 'output'}{'.csv' if not path.suffix else path.suffix}.")
    if kind == "dir" and path.exists() and not path.is_dir():
        raise OutputPathError(f"{path}: is a file, not a folder; give a folder with {option}.")
    ancestor = path if kind == "dir" and path.is_dir() else path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputPathError(f"{path}: cannot be created because {ancestor} is a file, not a folder; "
                              f"give another path with {option}.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: the folder {ancestor} is not writable (read-only or no permission); "
                              f"give a writable location with {option}.")
    return path


def check_outputs(paths: Iterable[str | Path], *, inputs: Iterable[str | Path | None] = (),
                  option: str = "-o") -> list[Path]:
    """:func:`check_output` for several files written by one command.

    Parameters
    ----------
    paths : iterable of paths
        Every file the command will write.
    inputs : iterable of paths
        The command's input files.
    option : str
        The option that named the paths, for the hint.

    Returns
    -------
    list of Path
    """
    inputs = list(inputs)
    return [check_output(p, inputs=inputs, option=option) for p in paths]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path``, on failure delete it.

    The temporary file keeps ``path``'s suffix, so writers that infer a format from the name (pandas,
    openpyxl, pyreadstat) behave as for the real file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done", encoding="utf-8")
    >>> target.read_text(encoding="utf-8"), sorted(p.name for p in target.parent.iterdir())
    ('done', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as handle:  # on disk before it replaces anything
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the file the user's usual mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path and move the result onto ``path`` (see :func:`atomic_path`).

    Parameters
    ----------
    path : str or Path
        The file to (re)place.
    write : callable
        Writes the complete file to the path it is given.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (:func:`atomic_write`); returns ``path``."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


__all__ = ["OutputPathError", "atomic_path", "atomic_write", "check_input", "check_output", "check_outputs",
           "write_text"]
