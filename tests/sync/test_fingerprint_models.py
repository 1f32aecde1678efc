"""The model fingerprint of a portal scored with several models: it covers every one of them."""

from __future__ import annotations

import shutil
from pathlib import Path

from connector.scoring import load_models, parse_model
from connector.sync.fingerprint import FINGERPRINT_MAX, ModelStamp, combine, split_text, stamp_of

CONFIG = Path(__file__).resolve().parents[2] / "config"


def _copy_models(tmp_path: Path) -> tuple[Path, Path]:
    default, enterprise = tmp_path / "scoring.toml", tmp_path / "enterprise.toml"
    shutil.copy(CONFIG / "scoring.toml", default)
    shutil.copy(CONFIG / "models" / "enterprise.toml", enterprise)
    return default, enterprise


def _spec(*paths: Path) -> str:
    return ", ".join(str(p) for p in paths)


def test_one_model_in_a_set_keeps_the_fingerprint_it_has_alone(tmp_path):
    default, _ = _copy_models(tmp_path)
    models = load_models(str(default))
    assert stamp_of(models) == stamp_of(models.first)


def test_an_edit_to_the_second_model_changes_the_sets_fingerprint(tmp_path):
    default, enterprise = _copy_models(tmp_path)
    before = stamp_of(load_models(_spec(default, enterprise)))
    enterprise.write_text(enterprise.read_text(encoding="utf-8") + "\n# tuned\n", encoding="utf-8")
    after = stamp_of(load_models(_spec(default, enterprise)))
    assert before.fingerprint != after.fingerprint
    assert "enterprise=" in after.fingerprint and "default=" in after.fingerprint


def test_adding_a_model_changes_the_fingerprint(tmp_path):
    default, enterprise = _copy_models(tmp_path)
    alone = stamp_of(load_models(str(default)))
    both = stamp_of(load_models(_spec(default, enterprise)))
    assert alone.fingerprint != both.fingerprint


def test_the_sets_text_holds_every_models_text(tmp_path):
    default, enterprise = _copy_models(tmp_path)
    text = stamp_of(load_models(_spec(default, enterprise))).text
    assert default.read_text(encoding="utf-8").strip() in text
    assert enterprise.read_text(encoding="utf-8").strip() in text


def test_a_long_combined_fingerprint_is_hashed_to_fit_the_store():
    stamps = [(f"model{i:02d}", ModelStamp(f"a-rather-long-model-name-{i} 1.0.0 sha256:{i:012d}", ""))
              for i in range(12)]
    long = combine(stamps)
    edited = combine(stamps[:-1] + [("model11", ModelStamp("a-rather-long-model-name-11 1.0.1 "
                                                             "sha256:000000000011", ""))])
    assert len(long.fingerprint) <= FINGERPRINT_MAX
    assert long.fingerprint.startswith("12 models sha256:")
    assert long.fingerprint != edited.fingerprint


def test_the_stamp_of_several_models_splits_back_into_each_models_text_by_key(tmp_path):
    default, enterprise = _copy_models(tmp_path)
    several = stamp_of(load_models(_spec(default, enterprise)))
    texts = split_text(several)
    assert list(texts) == ["default", "enterprise"]
    assert parse_model(texts["enterprise"], "kept").key == "enterprise"
    assert parse_model(texts["default"], "kept").account is not None
    assert split_text(stamp_of(load_models(str(default)))) == {}  # one model's stamp is its own text

