"""``borderline privacy train-ner``: fine-tuning the entity model is a command anyone can re-run.
A short run (few texts, one epoch) through the real CLI writes a spaCy pipeline folder that the
detector loads and uses; the training examples keep the corpora's gold spans and the base
model's other labels."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput
from borderline.privacy.analyzer import Analyzer
from borderline.privacy.ner import NerModel, shipped_model_path
from borderline.privacy.ner_train import TrainText, annotate, load_base

runner = CliRunner()


def test_train_ner_writes_a_model_the_detector_loads(tmp_path):
    out = tmp_path / "model"
    res = runner.invoke(
        app,
        [
            "privacy", "train-ner", "--out", str(out), "--epochs", "1",
            "--limit", "40", "--dev-limit", "20", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["train_texts"] == 40 and report["dev_texts"] == 60
    assert report["sources"] == ["btc-train", "wnut17-train"]
    assert len(report["dev_by_epoch"]) == 2 and report["best_epoch"] in (0, 1)
    assert json.loads((out / "training.json").read_text())["seed"] == 0
    assert (out / "ner" / "model").stat().st_size > 1_000_000
    found = Analyzer(ner=NerModel(out)).analyze("Please ask Margaret Okafor from Lagos.")
    assert ("PERSON", "Margaret Okafor") in [(e.type, e.text) for e in found]


def test_training_examples_keep_gold_and_the_base_models_other_labels():
    nlp = load_base()
    text = "Met Anna Roth in Lyon on 3 March 2024 at Acme"
    gold = [("PERSON", 4, 13), ("LOCATION", 17, 21), ("ORGANIZATION", 41, 45)]
    (ex,) = annotate(nlp, [TrainText(text, gold)])
    ents = {(e.label_, e.text) for e in ex.reference.ents}
    assert {("PERSON", "Anna Roth"), ("GPE", "Lyon"), ("ORG", "Acme")} <= ents
    assert ("DATE", "3 March 2024") in ents  # the base model's date, kept (rehearsal)


def test_bad_training_span_names_the_text():
    with pytest.raises(InvalidInput, match="bad training span"):
        annotate(load_base(), [TrainText("Anna Roth", [("PERSON", 0, 99)])])


def test_the_shipped_model_says_what_it_was_trained_on():
    meta = json.loads((shipped_model_path() / "training.json").read_text())
    assert meta["sources"] == ["btc-train", "wnut17-train"]
    assert meta["base_model"] == "en_core_web_sm 3.8.0"
    best = meta["dev_by_epoch"][meta["best_epoch"]]
    assert best["f1"] >= meta["dev_by_epoch"][0]["f1"]
