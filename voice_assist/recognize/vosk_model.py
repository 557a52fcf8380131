"""Vosk model folders at run time: where to find one, and whether it looks complete (without loading it).

Installing models is an operations task: ``voice_assist.ops.model_install``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from voice_assist import config
from voice_assist.errors import ModelError

MODEL_ENV = "VOICE_ASSIST_MODEL"

_REQUIRED = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf")
_FULL_GRAPH = ("graph/HCLG.fst", "graph/words.txt")
_LOOKAHEAD_GRAPH = ("graph/HCLr.fst", "graph/Gr.fst", "graph/disambig_tid.int")


@dataclass(frozen=True)
class ModelLookup:
    """The model the settings point at (or the first one found), and why it cannot be used, if so."""

    path: Path | None
    problem: str | None
    searched: tuple[Path, ...] = ()


@dataclass(frozen=True)
class InstalledModel:
    path: Path
    problem: str | None
    """None when the folder looks like a complete model."""


def validate_model(path: Path) -> None:
    """Check a model folder's layout without loading it; a ModelError names the missing part."""
    if not path.exists():
        raise ModelError(f"There is no speech model at {path}. Install one with 'voice-assist model install'.")
    if not path.is_dir():
        raise ModelError(f"{path} is a file, not a model folder. If it is a zip, install it with "
                         f"'voice-assist model install {path}'.")
    missing = [part for part in _REQUIRED if not (path / part).is_file()]
    if not missing and (path / "am/final.mdl").stat().st_size == 0:
        missing = ["am/final.mdl (it is empty)"]
    if not missing:
        missing = _missing_graph_parts(path)
    if missing:
        raise ModelError(f"The speech model in {path} is incomplete: {', '.join(missing)} missing. It may "
                         "not be a vosk model, or it was not fully copied; install it again with "
                         "'voice-assist model install'.")


def _missing_graph_parts(path: Path) -> list[str]:
    """Nothing if either kind of graph is complete; else what the present kind lacks (the kind is told by
    its main file, HCLG.fst or HCLr.fst), or both kinds."""
    graphs = (_FULL_GRAPH, _LOOKAHEAD_GRAPH)
    gaps = [[part for part in graph if not (path / part).is_file()] for graph in graphs]
    if not all(gaps):
        return []
    started = [gap for gap, graph in zip(gaps, graphs, strict=True) if (path / graph[0]).is_file()]
    if len(started) == 1:
        return started[0]
    return [" + ".join(_FULL_GRAPH) + " or " + " + ".join(_LOOKAHEAD_GRAPH)]


def _problem(path: Path) -> str | None:
    try:
        validate_model(path)
    except ModelError as error:
        return str(error)
    return None


def search_dirs() -> tuple[Path, ...]:
    """Folders that hold model folders, in lookup order: the checkout's models/, then the user data folder."""
    return (config.CHECKOUT_MODELS, user_models_dir())


def user_models_dir() -> Path:
    """Where ``voice-assist model install`` puts models: the user data folder's models/."""
    return config.data_dir() / "models"


def list_models(dirs: tuple[Path, ...] | None = None) -> list[InstalledModel]:
    """Every model-looking folder in the search folders (complete or not), in lookup order."""
    found = []
    for folder in search_dirs() if dirs is None else dirs:
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and _looks_like_model(child):
                found.append(InstalledModel(child, _problem(child)))
    return found


def _looks_like_model(path: Path) -> bool:
    return any((path / part).exists() for part in ("am", "conf", "graph"))


def locate_model(explicit: Path | None, environ: dict[str, str] | None = None,
                 dirs: tuple[Path, ...] | None = None) -> ModelLookup:
    """Settings/--model, then $VOICE_ASSIST_MODEL, then the first complete model in the search folders.

    A model named explicitly is never silently replaced by another one: its problem is reported."""
    environ = dict(os.environ) if environ is None else environ
    named = explicit or (Path(environ[MODEL_ENV]).expanduser() if environ.get(MODEL_ENV) else None)
    if named is not None:
        return ModelLookup(named, _problem(named), (named,))
    dirs = search_dirs() if dirs is None else dirs
    candidates = list_models(dirs)
    usable = [model for model in candidates if model.problem is None]
    if usable:
        return ModelLookup(usable[0].path, None, dirs)
    if candidates:
        return ModelLookup(candidates[0].path, candidates[0].problem, dirs)
    where = " or ".join(str(folder) for folder in dirs)
    return ModelLookup(None, f"no vosk model is installed (looked in {where}); install one with "
                             "'voice-assist model install'", dirs)
