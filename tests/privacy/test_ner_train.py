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
from borderline.privacy.ner_train import (
    KEEP_LABELS,
    OTHER_LABEL,
    TrainText,
    annotate,
    load_base,
    narrow_labels,
)

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
    assert len(json.loads((out / "meta.json").read_text())["labels"]["ner"]) == 18
    found = Analyzer(ner=NerModel(out)).analyze("Please ask Margaret Okafor from Lagos.")
    assert ("PERSON", "Margaret Okafor") in [(e.type, e.text) for e in found]


def test_train_ner_with_fewer_labels_writes_a_model_of_those_labels(tmp_path):
    out = tmp_path / "deeper" / "model"
    res = runner.invoke(
        app,
        [
            "privacy", "train-ner", "--out", str(out), "--epochs", "1", "--limit", "40",
            "--dev-limit", "20", "--fewer-labels", "--averages", "--unsure-orgs", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["labels"] == list(KEEP_LABELS) and report["other_label"] == OTHER_LABEL
    assert report["unsure_labels"] == ["ORG"]
    # whether or not the one epoch beat the base model, the folder has the five labels + MISC
    labels = json.loads((out / "meta.json").read_text())["labels"]["ner"]
    assert labels == sorted([*KEEP_LABELS, OTHER_LABEL])
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


def test_training_examples_for_fewer_labels_fold_the_others_into_one():
    text = "Met Anna Roth in Lyon on 3 March 2024 at Acme"
    gold = [("PERSON", 4, 13), ("LOCATION", 17, 21), ("ORGANIZATION", 41, 45)]
    (ex,) = annotate(load_base(), [TrainText(text, gold)], labels=KEEP_LABELS, other="MISC")
    ents = {(e.label_, e.text) for e in ex.reference.ents}
    assert ents == {
        ("PERSON", "Anna Roth"),
        ("GPE", "Lyon"),
        ("ORG", "Acme"),
        ("MISC", "3 March 2024"),
    }
    (ex,) = annotate(load_base(), [TrainText(text, gold)], labels=KEEP_LABELS)
    assert "3 March 2024" not in {e.text for e in ex.reference.ents}  # plain "O"


def test_organisations_the_corpus_does_not_label_are_left_unannotated():
    text = "Met Anna Roth at Google in Lyon"
    gold = [("PERSON", 4, 13), ("LOCATION", 27, 31)]
    (ex,) = annotate(load_base(), [TrainText(text, gold)], labels=KEEP_LABELS, unsure=["ORG"])
    tags = {t.text: (t.ent_iob_, t.ent_type_) for t in ex.reference}
    assert tags["Google"] == ("", "")  # missing: no loss either way
    assert tags["Anna"] == ("B", "PERSON") and tags["Lyon"] == ("B", "GPE")
    assert tags["at"] == ("O", "")
    (ex,) = annotate(load_base(), [TrainText(text, gold)], labels=KEEP_LABELS)
    assert {t.text: t.ent_iob_ for t in ex.reference}["Google"] == "O"


def test_narrowing_keeps_what_the_base_model_finds_with_fewer_moves():
    text = "Yesterday Angela Merkel flew from Berlin to Paris with Siemens managers."
    base = load_base()
    before = {(e.label_, e.text) for e in base(text).ents if e.label_ in KEEP_LABELS}
    n_before = base.get_pipe("ner").moves.n_moves
    narrow_labels(base, KEEP_LABELS, OTHER_LABEL)
    ner = base.get_pipe("ner")
    assert sorted(ner.labels) == sorted([*KEEP_LABELS, OTHER_LABEL])
    # B, I, L, U for each label, then O and the unlabelled U: 74 moves -> 26
    assert (n_before, ner.moves.n_moves) == (74, 4 * 6 + 2)
    after = {(e.label_, e.text) for e in base(text).ents}
    assert (
        before
        == after
        == {("PERSON", "Angela Merkel"), ("GPE", "Berlin"), ("GPE", "Paris"), ("ORG", "Siemens")}
    )


def test_narrowing_to_a_label_the_base_model_lacks_is_refused():
    with pytest.raises(InvalidInput, match="no label"):
        narrow_labels(load_base(), ["PERSON", "SPACESHIP"])


def test_bad_training_span_names_the_text():
    with pytest.raises(InvalidInput, match="bad training span"):
        annotate(load_base(), [TrainText("Anna Roth", [("PERSON", 0, 99)])])


def test_the_shipped_model_says_what_it_was_trained_on():
    meta = json.loads((shipped_model_path() / "training.json").read_text())
    assert meta["sources"] == ["btc-train", "wnut17-train"]
    assert meta["base_model"] == "en_core_web_sm 3.8.0"
    best = meta["dev_by_epoch"][meta["best_epoch"]]
    assert best["f1"] >= meta["dev_by_epoch"][0]["f1"]
