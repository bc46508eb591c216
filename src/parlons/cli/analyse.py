"""``parlons analyse``: analyse a consultation's contributions and write the bilan."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from parlons.cli._errors import fail

FORMATS = ("csv", "xlsx", "json", "decidim-proposals", "decidim-comments", "capcollectif",
           "polis")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``parlons analyse run|code-next|report|train-models``."""
    parser = subparsers.add_parser("analyse", help="analyse consultation contributions")
    commands = parser.add_subparsers(dest="analyse_command", metavar="ACTION")
    run = commands.add_parser("run", help="themes, duplicates, stance, flags and the bilan")
    run.add_argument("input", help="contributions file (CSV, XLSX, JSON, Decidim, Polis...)")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--format-hint", choices=FORMATS, help="input format (guessed otherwise)")
    run.add_argument("--text-column", help="column holding the text")
    run.add_argument("--id-column", help="column holding the contribution id")
    run.add_argument("--title-column")
    run.add_argument("--channel-column")
    run.add_argument("--question-column")
    run.add_argument("--neighbourhood-column")
    run.add_argument("--channel", default="", help="channel of every contribution (e.g. paper)")
    run.add_argument("--themes", type=int, help="number of themes (automatic otherwise)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--encoder", choices=("tfidf", "use", "use+tfidf"), default="tfidf",
                     help="text encoder of the themes: tfidf (default, fast), use "
                          "(multilingual sentence encoder, needs parlons[encoder]) or use+tfidf "
                          "(both joined: sentence meaning and shared key words)")
    run.add_argument("--no-split", action="store_true",
                     help="keep each contribution whole (do not split it into ideas)")
    run.add_argument("--title", help="title of the bilan")
    run.add_argument("--quiet", action="store_true", help="no progress on standard error")
    run.add_argument("--typology-model", help="an analyst's model (from code-next --save-model)")
    run.add_argument("--stance-model", help="an analyst's stance model")
    run.set_defaults(handler=_run)
    nxt = commands.add_parser("code-next", help="learn from coded contributions and list the "
                                                "ones to code next (active learning)")
    nxt.add_argument("input", help="contributions file")
    nxt.add_argument("--coded", required=True, help="CSV with columns id and label")
    nxt.add_argument("--format-hint", choices=FORMATS)
    nxt.add_argument("--text-column")
    nxt.add_argument("--id-column")
    nxt.add_argument("-n", type=int, default=20, help="how many to suggest (default 20)")
    nxt.add_argument("--save-model", help="write the trained model (JSON) here")
    nxt.set_defaults(handler=_code_next)
    report = commands.add_parser("report", help="write the bilan again from an analysis.json "
                                                "(e.g. after editing theme labels)")
    report.add_argument("analysis", help="analysis.json (format parlons-analysis/1 or /2)")
    report.add_argument("--out", required=True, help="folder for bilan.html and bilan.docx")
    report.set_defaults(handler=_report)
    train = commands.add_parser("train-models",
                                help="re-train the bundled spam/typology/stance models")
    train.add_argument("--data", required=True, help="the shared data folder (…/shared/data)")
    train.add_argument("--out", help="where to write the models (default: the package)")
    train.set_defaults(handler=_train)
    parser.set_defaults(handler=lambda _args: (parser.print_help(), 2)[1])


def _run(args: argparse.Namespace) -> int:
    from parlons.core.analysis.model import ContributionReadError
    from parlons.core.analysis.pipeline import Options, run_analysis
    from parlons.core.analysis.readers import ColumnMapping, read_contributions
    from parlons.core.analysis.report import write_report

    if args.themes is not None and args.themes < 1:
        return fail("--themes must be at least 1")
    start = time.monotonic()

    def say(message: str) -> None:
        if not args.quiet:
            print(f"[{time.monotonic() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    mapping = ColumnMapping(text=args.text_column, id=args.id_column, title=args.title_column,
                            channel=args.channel_column, question=args.question_column,
                            neighbourhood=args.neighbourhood_column)
    say(f"reading {args.input}")
    try:
        read = read_contributions(args.input, args.format_hint, mapping, args.channel)
    except ContributionReadError as error:
        return fail(str(error))
    say(f"{len(read.contributions)} contributions ({read.format}), "
        f"{read.skipped_empty} empty rows skipped")
    context = {"source": Path(args.input).name, "format": read.format,
               "skipped_empty": read.skipped_empty, "title": args.title or ""}
    from parlons.core.analysis.classify import LinearTextModel
    from parlons.core.analysis.encoders import EncoderUnavailableError, make_encoder

    try:
        encoder = make_encoder(args.encoder, args.seed)
    except EncoderUnavailableError as error:
        return fail(str(error))
    models = {}
    try:
        for name, path in (("typology", args.typology_model), ("stance", args.stance_model)):
            if path:
                models[name] = LinearTextModel.load(path)
    except ValueError as error:
        return fail(str(error))
    options = Options(n_themes=args.themes, seed=args.seed, split_ideas=not args.no_split)
    analysis = run_analysis(read.contributions, options, encoder=encoder, progress=say,
                            context=context, models=models)
    paths = write_report(analysis, Path(args.out))
    say("written: " + ", ".join(str(p) for p in paths))
    return 0


def _report(args: argparse.Namespace) -> int:
    from parlons.core.analysis.report import AnalysisFormatError, read_analysis, write_bilan

    try:
        analysis = read_analysis(Path(args.analysis))
        paths = write_bilan(analysis, Path(args.out))
    except AnalysisFormatError as error:
        return fail(str(error))
    except (KeyError, TypeError, AttributeError) as error:  # a hand-edited file
        return fail(f"{args.analysis}: unexpected content ({error!r})")
    print("written: " + ", ".join(str(p) for p in paths), file=sys.stderr)
    return 0


def _code_next(args: argparse.Namespace) -> int:
    import csv

    from parlons.core.analysis.classify import train, uncertainty_order
    from parlons.core.analysis.model import ContributionReadError
    from parlons.core.analysis.normalise import FrenchNormaliser
    from parlons.core.analysis.readers import ColumnMapping, read_contributions

    if args.n < 1:
        return fail("-n must be at least 1")
    try:
        read = read_contributions(args.input, args.format_hint,
                                  ColumnMapping(text=args.text_column, id=args.id_column))
    except ContributionReadError as error:
        return fail(str(error))
    try:
        with open(args.coded, encoding="utf-8-sig", newline="") as handle:
            sample = handle.readline()
            handle.seek(0)
            delimiter = max((";", ",", "\t"), key=sample.count)
            rows = list(csv.DictReader(handle, delimiter=delimiter))
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"{args.coded}: {error}")
    if not rows or not {"id", "label"} <= set(rows[0]):
        return fail(f"{args.coded}: expected columns 'id' and 'label'")
    labels = {r["id"].strip(): r["label"].strip() for r in rows if r["label"].strip()}
    position = {c.id: i for i, c in enumerate(read.contributions)}
    unknown = sorted(set(labels) - set(position))
    if unknown:
        return fail(f"{args.coded}: ids not in {args.input}: {', '.join(unknown[:5])}")
    normaliser = FrenchNormaliser()
    lemmas = [normaliser.analyse(c.full_text) for c in read.contributions]
    coded = [position[i] for i in labels]
    try:
        model = train([lemmas[i] for i in coded], list(labels.values()), name="analyst",
                      notes=f"trained on {len(coded)} coded contributions of {args.input}")
    except ValueError as error:
        return fail(str(error))
    if args.save_model:
        model.save(args.save_model)
    order = uncertainty_order(model.probabilities(lemmas), limit=args.n, exclude=coded)
    print("id\tmost likely\tprobability\ttext")
    probabilities = model.probabilities([lemmas[i] for i in order]) if order else []
    for index, probs in zip(order, probabilities, strict=True):
        text = read.contributions[index].full_text.replace("\t", " ")[:100]
        best = int(probs.argmax())
        print(f"{read.contributions[index].id}\t{model.classes[best]}\t{probs[best]:.2f}\t{text}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from parlons.core.analysis.bundled import MODEL_DIR, train_bundled_models

    data = Path(args.data)
    if not (data / "consultations").is_dir():
        return fail(f"{data}: no consultations/ folder (expected the shared data folder)")
    summary = train_bundled_models(data, Path(args.out) if args.out else MODEL_DIR)
    for name, info in summary.items():
        print(f"{name}: {info['examples']} examples, classes {info['classes']}, "
              f"{info['bytes']} bytes")
    return 0
