"""Installing a vosk model safely, from the internet, a zip or a folder, and checking that it loads.

Installing never leaves half a model: everything is unpacked into a hidden folder next to the target,
checked, and only then renamed into place (a rename within one folder is atomic).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from voice_assist.errors import ModelError
from voice_assist.recognize.vosk_model import user_models_dir, validate_model

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "vosk-model-small-en-us-0.15"
DEFAULT_MODEL_URL = f"https://alphacephei.com/vosk/models/{DEFAULT_MODEL_NAME}.zip"
DEFAULT_MODEL_SHA256 = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
"""Of the official 41,205,931-byte zip (the value published alongside it by many independent installers)."""
DOWNLOAD_TIMEOUT = 30.0
"""Seconds without any data before a download is given up."""
LOAD_CHECK_TIMEOUT = 300.0
"""Seconds allowed for the test load of a newly installed model (large models take a while on 2 cores)."""

Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None when the server does not say)."""

_OFFLINE_HELP = (
    "To install without internet, download {url} on another computer, copy the zip to a USB stick and run "
    "'voice-assist model install /media/.../{name}.zip' (a folder with the unpacked model works too).")


def install_model(source: str | None, dest_dir: Path | None = None, *, progress: Progress | None = None,
                  sha256: str | None = None, check_load: bool = True) -> Path:
    """Install a model from a URL, a local .zip or a folder (default: the small English model).

    Returns the installed folder. An existing model of the same name is replaced only once the new one
    has been unpacked and checked."""
    dest_dir = dest_dir or user_models_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    if source is None:
        source, sha256 = DEFAULT_MODEL_URL, sha256 or DEFAULT_MODEL_SHA256
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=dest_dir))
    try:
        root = _stage(source, staging, progress, sha256)
        validate_model(root)
        if check_load:
            check_loads(root)
        return _move_into_place(root, dest_dir / root.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stage(source: str, staging: Path, progress: Progress | None, sha256: str | None) -> Path:
    """Unpack or copy the source into ``staging``; return the model folder inside it."""
    if source.startswith(("http://", "https://")):
        archive = staging / "download.zip"
        _download(source, archive, progress, sha256)
        return _unzip(archive, staging / "unpacked", Path(source.rsplit("/", 1)[-1]).stem, shown=source)
    path = Path(source).expanduser()
    if path.is_dir():
        target = staging / "unpacked" / path.name
        try:
            shutil.copytree(path, target)
        except OSError as error:
            raise ModelError(f"Could not copy the model from {path}: {error}.") from error
        return _model_root(target.parent, path.name)
    if path.is_file():
        if sha256:
            _check_sha256(_sha256_of(path), sha256, str(path))
        return _unzip(path, staging / "unpacked", path.stem, shown=str(path))
    raise ModelError(f"Cannot install a model from {source!r}: it is not a web address (http:// or https://), "
                     "a .zip file or a folder that exists.")


def _download(url: str, target: Path, progress: Progress | None, sha256: str | None) -> None:
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, target.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            _copy_stream(response, out, digest, total, progress)
    except urllib.error.HTTPError as error:
        raise ModelError(f"Could not download the speech model from {url}: the server answered "
                         f"{error.code} {error.reason}. Check the address. " + _offline_help(url)) from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ModelError(f"Could not download the speech model from {url} ({reason}): this computer seems to "
                         "be offline, or the server cannot be reached. " + _offline_help(url)) from error
    if sha256:
        _check_sha256(digest.hexdigest(), sha256, url)


def _copy_stream(response: BinaryIO, out: BinaryIO, digest: hashlib._Hash, total: int | None,
                 progress: Progress | None) -> None:
    done = 0
    while chunk := response.read(1 << 16):
        out.write(chunk)
        digest.update(chunk)
        done += len(chunk)
        if progress:
            progress(done, total)


def _offline_help(url: str) -> str:
    name = Path(url.rsplit("/", 1)[-1]).stem or DEFAULT_MODEL_NAME
    return _OFFLINE_HELP.format(url=url, name=name)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_sha256(actual: str, expected: str, source: str) -> None:
    if actual.lower() != expected.lower():
        raise ModelError(f"The model from {source} is not the expected file (SHA-256 {actual}, expected "
                         f"{expected}); the download may be damaged or incomplete. Nothing was installed; "
                         "try again.")


def _unzip(archive: Path, target: Path, fallback_name: str, shown: str) -> Path:
    """Unpack ``archive`` (called ``shown`` in messages) into ``target``; return the model folder."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.namelist():
                if not (target / member).resolve().is_relative_to(target.resolve()):
                    raise ModelError(f"{shown} contains a file outside its folder ({member}); not installed.")
            bundle.extractall(target)
    except (zipfile.BadZipFile, EOFError) as error:
        raise ModelError(f"{shown} is not a readable zip file ({error}); it may be incomplete. "
                         "Copy or download it again.") from error
    except OSError as error:
        raise ModelError(f"Could not unpack {shown} into {target.parent.parent} ({error}); is the disk full?"
                         ) from error
    return _model_root(target, fallback_name)


def _model_root(unpacked: Path, fallback_name: str) -> Path:
    """The model is either the unpacked folder itself or its single sub-folder."""
    if (unpacked / "am").is_dir():
        named = unpacked.with_name(fallback_name)
        unpacked.rename(named)
        return named
    children = [child for child in unpacked.iterdir() if child.is_dir() and not child.name.startswith("__")]
    if len(children) == 1:
        return children[0]
    raise ModelError(f"No model folder found in {fallback_name}: expected am/, conf/ and graph/ at the top "
                     "or in one folder.")


def check_loads(path: Path, timeout: float = LOAD_CHECK_TIMEOUT) -> None:
    """Load the model and decode half a second of silence in a separate process: some damaged models
    crash the process (a Kaldi assertion) instead of raising an exception."""
    code = ("import sys, vosk; vosk.SetLogLevel(-1); m = vosk.Model(sys.argv[1]); "
            "r = vosk.KaldiRecognizer(m, 16000); r.AcceptWaveform(bytes(16000)); r.FinalResult()")
    try:
        result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                                timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise ModelError(f"Loading the model in {path} took longer than {timeout:.0f} s; not installed.") from error
    if result.returncode != 0:
        crashed = f"it crashed with signal {-result.returncode}" if result.returncode < 0 else "no message"
        detail = (result.stderr.strip().splitlines() or [crashed])[-1]
        raise ModelError(f"The model in {path} has the right files but vosk cannot load it ({detail}). "
                         "It may be damaged or made for another program; not installed.")


def _move_into_place(new: Path, target: Path) -> Path:
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=target.parent)) / target.name
        target.rename(old)
    try:
        new.rename(target)
    except OSError as error:
        if old is not None:
            old.rename(target)  # put the previous model back rather than leave none
        raise ModelError(f"Could not move the new model into {target}: {error}.") from error
    if old is not None:
        shutil.rmtree(old.parent, ignore_errors=True)
    log.info("Installed the speech model in %s", target)
    return target


class ProgressBar:
    """A one-line download progress bar for a terminal (stderr)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self._stream = stream
        self._width = width

    def __call__(self, done: int, total: int | None) -> None:
        megabytes = f"{done / 1e6:.1f} MB"
        if total:
            filled = self._width * done // total
            line = f"[{'#' * filled}{'.' * (self._width - filled)}] {megabytes} of {total / 1e6:.1f} MB"
        else:
            line = megabytes
        self._stream.write(f"\r{line}")
        if total and done >= total:
            self._stream.write("\n")
        self._stream.flush()
