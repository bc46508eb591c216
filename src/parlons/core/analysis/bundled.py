"""The models shipped in ``parlons/core/analysis/data/`` (spam, typology, stance) and the
function that re-trains them from the shared data (``parlons analyse train-models``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from parlons.core.analysis import datasets
from parlons.core.analysis.classify import LinearTextModel, train
from parlons.core.analysis.normalise import FrenchNormaliser, folded_words

MODEL_DIR = Path(__file__).resolve().parent / "data"
NAMES = ("spam", "typology", "stance")


@cache
def load_model(name: str) -> LinearTextModel:
    """A bundled model by name; FileNotFoundError if it was never trained."""
    return LinearTextModel.load(MODEL_DIR / f"{name}.json")


def train_bundled_models(data_dir: Path, out_dir: Path = MODEL_DIR, seed: int = 0) -> dict:
    """Train spam, typology and stance models from the shared data; returns their sizes."""
    normaliser = FrenchNormaliser()
    out_dir.mkdir(parents=True, exist_ok=True)
    sets = {
        "spam": datasets.spam_examples(data_dir),
        "typology": datasets.an_typology(data_dir, coarse=True),
        "stance": datasets.an_stance(data_dir) + datasets.decidim_stance(data_dir),
    }
    notes = {
        "spam": "Decidim AI spam set (spam) vs French contributions and Polis statements (ham)",
        "typology": "Assemblée nationale 2016 crowd typology, coarse classes",
        "stance": "AN 2016 crowd for/against shares and Decidim comment alignments",
    }
    summary = {}
    for name, examples in sets.items():
        lemmas = [normaliser.analyse(e.text) for e in examples]
        folded = [" ".join(folded_words(e.text)) for e in examples] if name == "spam" else None
        model = train(lemmas, [e.label for e in examples], folded=folded, seed=seed,
                      max_features=5000 if name == "spam" else 8000, name=name,
                      notes=notes[name], c=2.0)
        model.save(out_dir / f"{name}.json")
        summary[name] = {"examples": len(examples), "classes": model.classes,
                         "bytes": (out_dir / f"{name}.json").stat().st_size}
    load_model.cache_clear()
    return summary
