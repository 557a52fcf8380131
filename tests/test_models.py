"""Model lookup and layout checks (``recognize.vosk_model``) and the installer (``ops.model_install``): real
zips, a real HTTP server on 127.0.0.1, real folders."""

from __future__ import annotations

import hashlib
import http.server
import io
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.tiny_vosk import write_tiny_model
from voice_assist import cli, config
from voice_assist.errors import ModelError
from voice_assist.ops import model_install
from voice_assist.ops.model_install import ProgressBar, install_model
from voice_assist.recognize.vosk_model import ModelLookup, list_models, locate_model, validate_model

MODEL_NAME = "vosk-model-tiny-test"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("source") / MODEL_NAME)


@pytest.fixture(scope="module")
def tiny_zip(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Laid out like the official zips: one top folder named after the model."""
    archive = tmp_path_factory.mktemp("zips") / f"{MODEL_NAME}.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(tiny_model.rglob("*")):
            bundle.write(path, Path(MODEL_NAME) / path.relative_to(tiny_model))
    return archive


@pytest.fixture(scope="module")
def web_server(tiny_zip: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the zip folder; yields its base URL."""
    handler = partial(_QuietHandler, directory=str(tiny_zip.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# validate_model --------------------------------------------------------------------------------------------

def test_a_complete_model_is_valid(tiny_model: Path) -> None:
    validate_model(tiny_model)


@pytest.mark.parametrize(("remove", "named"), [
    ("am/final.mdl", "am/final.mdl"),
    ("conf/model.conf", "conf/model.conf"),
    ("conf/mfcc.conf", "conf/mfcc.conf"),
    ("graph/words.txt", "graph/words.txt missing"),
    ("graph/HCLG.fst", "graph/HCLG.fst + graph/words.txt or graph/HCLr.fst + graph/Gr.fst"),
])
def test_a_missing_part_is_named(tiny_model: Path, tmp_path: Path, remove: str, named: str) -> None:
    model = Path(shutil.copytree(tiny_model, tmp_path / "m"))
    (model / remove).unlink()
    with pytest.raises(ModelError) as error:
        validate_model(model)
    assert f"incomplete: {named}" in str(error.value)
    assert str(model) in str(error.value)


def test_a_lookahead_model_is_valid_and_loads(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "lookahead", lookahead=True)
    validate_model(model)
    model_install.check_loads(model)
    (model / "graph" / "disambig_tid.int").unlink()
    with pytest.raises(ModelError, match=r"incomplete: graph/disambig_tid\.int missing"):
        validate_model(model)


def test_empty_final_mdl_and_a_file_instead_of_a_folder(tiny_model: Path, tmp_path: Path) -> None:
    model = Path(shutil.copytree(tiny_model, tmp_path / "m"))
    (model / "am" / "final.mdl").write_bytes(b"")
    with pytest.raises(ModelError, match=r"am/final.mdl \(it is empty\)"):
        validate_model(model)
    with pytest.raises(ModelError, match="is a file, not a model folder"):
        validate_model(model / "conf" / "model.conf")


# locate_model / list_models -------------------------------------------------------------------------------

def test_lookup_order(tiny_model: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "checkout", tmp_path / "data"
    shutil.copytree(tiny_model, second / "b-model")
    dirs = (first, second)
    assert locate_model(None, {}, dirs).path == second / "b-model"
    shutil.copytree(tiny_model, first / "a-model")
    assert locate_model(None, {}, dirs).path == first / "a-model"
    assert locate_model(None, {"VOICE_ASSIST_MODEL": str(tiny_model)}, dirs).path == tiny_model
    explicit = locate_model(tmp_path / "mine", {"VOICE_ASSIST_MODEL": str(tiny_model)}, dirs)
    assert explicit.path == tmp_path / "mine"
    assert "no speech model at" in (explicit.problem or "")  # named explicitly: reported, not replaced


def test_an_incomplete_model_is_skipped_for_a_complete_one(tiny_model: Path, tmp_path: Path) -> None:
    shutil.copytree(tiny_model, tmp_path / "a-broken")
    (tmp_path / "a-broken" / "graph" / "HCLG.fst").unlink()
    shutil.copytree(tiny_model, tmp_path / "b-good")
    (tmp_path / "not-a-model").mkdir()
    (tmp_path / ".installing-x").mkdir()
    found = list_models((tmp_path,))
    assert [model.path.name for model in found] == ["a-broken", "b-good"]
    assert found[0].problem and "incomplete" in found[0].problem
    assert found[1].problem is None
    assert locate_model(None, {}, (tmp_path,)) == ModelLookup(tmp_path / "b-good", None, (tmp_path,))


def test_nothing_installed_says_how_to_install(tmp_path: Path) -> None:
    lookup = locate_model(None, {}, (tmp_path / "a", tmp_path / "b"))
    assert lookup.path is None
    assert "no vosk model is installed" in (lookup.problem or "")
    assert "voice-assist model install" in (lookup.problem or "")


# install_model --------------------------------------------------------------------------------------------

def test_install_from_a_local_zip(tiny_zip: Path, tmp_path: Path) -> None:
    installed = install_model(str(tiny_zip), tmp_path)
    assert installed == tmp_path / MODEL_NAME
    validate_model(installed)
    assert leftovers(tmp_path) == [MODEL_NAME]
    assert [model.path for model in list_models((tmp_path,))] == [installed]


def test_install_from_a_folder_for_example_a_usb_stick(tiny_model: Path, tmp_path: Path) -> None:
    installed = install_model(str(tiny_model), tmp_path / "models")
    assert installed == tmp_path / "models" / MODEL_NAME
    assert (installed / "graph" / "HCLG.fst").read_bytes() == (tiny_model / "graph" / "HCLG.fst").read_bytes()


def test_install_from_a_flat_zip_uses_the_zip_name(tiny_model: Path, tmp_path: Path) -> None:
    archive = tmp_path / "my-model.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in tiny_model.rglob("*"):
            bundle.write(path, path.relative_to(tiny_model))
    assert install_model(str(archive), tmp_path / "models") == tmp_path / "models" / "my-model"


def test_download_with_the_right_checksum_and_progress(web_server: str, tiny_zip: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    installed = install_model(f"{web_server}/{tiny_zip.name}", tmp_path, sha256=sha256(tiny_zip),
                              progress=lambda done, total: seen.append((done, total)))
    validate_model(installed)
    assert seen[-1] == (tiny_zip.stat().st_size, tiny_zip.stat().st_size)


def test_a_wrong_checksum_installs_nothing(web_server: str, tiny_zip: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"not the expected file.*Nothing was installed"):
        install_model(f"{web_server}/{tiny_zip.name}", tmp_path, sha256="0" * 64)
    assert leftovers(tmp_path) == []


def test_no_network_explains_the_usb_stick_route(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/vosk-model-small-en-us-0.15.zip"
    with pytest.raises(ModelError) as error:
        install_model(url, tmp_path)
    message = str(error.value)
    assert "Could not download" in message
    assert "copy the zip to a USB stick" in message
    assert "voice-assist model install /media/.../vosk-model-small-en-us-0.15.zip" in message
    assert leftovers(tmp_path) == []


def test_missing_file_on_the_server(web_server: str, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"server answered 404 File not found\. Check the address"):
        install_model(f"{web_server}/nothing-here.zip", tmp_path)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04truncated"])
def test_a_damaged_zip_installs_nothing(tmp_path: Path, content: bytes) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(content)
    with pytest.raises(ModelError, match="not a readable zip"):
        install_model(str(archive), tmp_path / "models")
    assert leftovers(tmp_path / "models") == []


def test_a_downloaded_file_that_is_not_a_zip_is_named_by_its_address(web_server: str, tiny_zip: Path,
                                                                      tmp_path: Path) -> None:
    (tiny_zip.parent / "page.zip").write_text("<html>a login page, not a model</html>")
    with pytest.raises(ModelError) as error:
        install_model(f"{web_server}/page.zip", tmp_path)
    assert str(error.value).startswith(f"{web_server}/page.zip is not a readable zip file")
    assert leftovers(tmp_path) == []


def test_a_zip_without_a_model_installs_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("holiday/beach.jpg", b"...")
        bundle.writestr("holiday/notes.txt", b"...")
    with pytest.raises(ModelError, match="incomplete"):
        install_model(str(archive), tmp_path / "models")
    assert leftovers(tmp_path / "models") == []


def test_a_model_that_crashes_vosk_is_not_installed(tiny_model: Path, tmp_path: Path) -> None:
    damaged = Path(shutil.copytree(tiny_model, tmp_path / "damaged"))
    mdl = damaged / "am" / "final.mdl"
    mdl.write_text(mdl.read_text().replace("[ 0 -0.693147 ", "[ 0 "))
    with pytest.raises(ModelError, match="vosk cannot load it"):
        install_model(str(damaged), tmp_path / "models")
    assert leftovers(tmp_path / "models") == []


def test_reinstalling_replaces_the_old_model(tiny_zip: Path, tmp_path: Path) -> None:
    old = install_model(str(tiny_zip), tmp_path)
    (old / "graph" / "HCLG.fst").unlink()  # damaged since
    assert install_model(str(tiny_zip), tmp_path) == old
    validate_model(old)
    assert leftovers(tmp_path) == [MODEL_NAME]


def test_an_unknown_source(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a web address"):
        install_model(str(tmp_path / "nowhere.zip"), tmp_path / "models")


def test_the_default_is_the_official_small_english_model() -> None:
    assert model_install.DEFAULT_MODEL_URL == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    assert len(model_install.DEFAULT_MODEL_SHA256) == 64


def test_progress_bar() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, width=10)
    bar(5_000_000, 10_000_000)
    bar(10_000_000, 10_000_000)
    bar(1_500_000, None)
    assert out.getvalue() == ("\r[#####.....] 5.0 MB of 10.0 MB\r[##########] 10.0 MB of 10.0 MB\n\r1.5 MB")


# The command line -----------------------------------------------------------------------------------------

def test_cli_model_install_and_list(tiny_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("VOICE_ASSIST_MODEL", raising=False)
    monkeypatch.setattr(config, "CHECKOUT_MODELS", tmp_path / "checkout-models")
    installed = config.data_dir() / "models" / MODEL_NAME

    assert cli.main(["model", "list"]) == 0
    assert "no vosk model is installed" in capsys.readouterr().err

    assert cli.main(["model", "install", str(tiny_zip)]) == 0
    assert capsys.readouterr().out.strip() == str(installed)

    assert cli.main(["model", "list"]) == 0
    assert capsys.readouterr().out.strip() == f"* {installed}"

    url = f"http://127.0.0.1:{closed_port()}/x.zip"
    assert cli.main(["model", "install", url]) == 2
    assert "USB stick" in capsys.readouterr().err
