"""The `bsc` command: validate, status, export, schema."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from . import __version__
from .forked import ForkError
from .problems import Problems

DEFAULT_PATH = "scorecards"
DEFAULT_CACHE = ".cache/bsc"  # the plugin's default too: a command run beside mkdocs.yml shares its cache
# What a command loaded and evaluated, kept to its end: `entry` then leaves it to the
# operating system instead of freeing millions of objects one by one (a second at 10,000 units).
_KEPT: list = []


def _period_label(text: str) -> str:
    """Reject a malformed --period as a usage error (exit 2) before anything is read."""
    from .periods import FiscalCalendar, PeriodError

    try:
        FiscalCalendar().parse(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def _report(problems: Problems, stream=sys.stderr) -> None:
    for p in problems.sorted():
        print(p.format(), file=stream)
    errors, warnings = len(problems.errors), len(problems.warnings)
    if errors or warnings:
        print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}", file=stream)


def _open(args, strict: bool = False):
    from .project import open_project

    # A command runs no other thread, so loading may fork a helper for a large organisation,
    # and it keeps the model to its end.
    project = open_project(args.path, period=getattr(args, "period", None), strict=strict, parallel=True,
                           freeze=True, cache_dir=_cache_dir(args))
    _KEPT.append(project)
    return project


def _cache_dir(args) -> Path | None:
    return None if args.no_cache else Path(args.cache_dir)


def cmd_validate(args) -> int:
    from .project import check_folder

    verdict = check_folder(args.path, period=args.period, strict=args.strict, parallel=True,
                           cache_dir=_cache_dir(args))
    _KEPT.append(verdict)
    _report(verdict.problems, sys.stdout)
    if verdict.ok:
        print(f"{args.path}: {verdict.units} units, {verdict.kpis} KPIs, {verdict.actuals} actuals: "
              + ("valid" if not verdict.problems.warnings else "valid, with warnings"))
    return 0 if verdict.ok else 1


def _evaluate(args):
    from .status.evaluate import evaluate

    project = _open(args)
    if not project.ok:
        _report(project.problems)
        return None
    ev = evaluate(project.scorecards, project.period, keep=True)
    _KEPT.append(ev)
    return ev


def cmd_status(args) -> int:
    from .terminal import status_table

    ev = _evaluate(args)
    if ev is None:
        return 1
    width = shutil.get_terminal_size((120, 24)).columns
    print(status_table(ev, width))
    return 0


def _writes_into_inputs(output: str | Path, args, folder: bool = False) -> bool:
    """Whether writing `output` would write into the scorecard folder's inputs (the tool never
    does: a file written there would be read as one, or replace one); said on stderr if so.
    A `folder` of output (bsc pages) may not be the scorecard folder itself, nor inside its
    units/, actuals/ or reviews/."""
    from .load import is_input

    root, target = Path(args.path), Path(output)
    if folder:
        try:
            resolved, inputs = target.resolve(), root.resolve()
        except (OSError, RuntimeError):
            return False
        areas = [inputs / name for name in ("units", "actuals", "reviews")]
        hit = resolved == inputs or any(resolved == a or a in resolved.parents for a in areas)
    else:
        hit = is_input(root, target)
    if hit and folder:
        print(f"bsc: not writing pages into {output}: it is the scorecard folder {args.path} or one of its input "
              "folders (choose a folder outside the scorecard files)", file=sys.stderr)
    elif hit:
        print(f"bsc: not writing {output}: the scorecard folder {args.path} reads it as input "
              "(choose a place outside the scorecard files)", file=sys.stderr)
    return hit


def _write(text: str, output: str | None, force: bool) -> int:
    if output is None or output == "-":
        sys.stdout.write(text)
        return 0
    path = Path(output)
    if path.exists() and not force:
        print(f"bsc: {output} exists; not overwriting it (use --force to replace it)", file=sys.stderr)
        return 1
    try:
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        print(f"bsc: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def cmd_export(args) -> int:
    from . import export

    if args.output not in (None, "-") and _writes_into_inputs(args.output, args):
        return 1
    ev = _evaluate(args)
    if ev is None:
        return 1
    text = export.dumps(export.evaluation_json(ev)) if args.format == "json" else export.to_csv(ev)
    return _write(text, args.output, args.force)


def cmd_snapshot(args) -> int:
    """Freeze a review period's evaluated scorecards next to its review file."""
    from . import export

    ev = _evaluate(args)
    if ev is None:
        return 1
    sc = ev.scorecards
    cadence = sc.organization.review_cadence
    if ev.period not in {sc.calendar.containing(p, cadence) for p in sc.periods_with_data
                         if p.frequency.rank <= cadence.rank}:
        print(f"bsc: not writing a snapshot of {ev.period.label}: no values are reported for it, so it would freeze "
              "no statuses, and a snapshot is never replaced (add the period's actuals first)", file=sys.stderr)
        return 1
    target = Path(args.path) / "reviews" / f"{ev.period.label}.snapshot.json"
    if target.exists():
        print(f"bsc: {target} exists; a snapshot is never replaced (if it really is wrong, delete it first)",
              file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    status = _write(export.dumps(export.evaluation_json(ev)), str(target), force=False)
    if status == 0:
        print(f"bsc: wrote {target}; commit it so later reviews can show what was added or removed")
    return status


def cmd_pages(args) -> int:
    """Write the generated pages as Markdown files, for any static-site generator."""
    from importlib import resources

    from .maps import GraphvizError
    from .site.links import Links, prefix_problem
    from .site.plan import SiteOptions, SitePlanner

    problem = prefix_problem(args.path_prefix)
    if problem:
        print(f"bsc pages: error: --path-prefix: {problem}", file=sys.stderr)
        return 2
    # the pages go under the prefix, the style sheet under --out itself: neither may be the inputs'
    if any(_writes_into_inputs(place, args, folder=True)
           for place in dict.fromkeys([Path(args.out), Path(args.out) / args.path_prefix.strip("/")])):
        return 1
    if Path(args.out).exists() and not Path(args.out).is_dir():
        print(f"bsc: cannot write into {args.out}: it is a file, not a folder", file=sys.stderr)
        return 1
    ev = _evaluate(args)
    if ev is None:
        return 1
    out = Path(args.out)
    options = SiteOptions(links=Links(args.path_prefix.strip("/"), not args.html_urls),
                          templates=Path(args.templates) if args.templates else None,
                          maps=not args.no_maps, cache_dir=_cache_dir(args))
    try:
        pages = SitePlanner(ev, options).pages()
    except GraphvizError as exc:
        print(f"bsc: {exc}", file=sys.stderr)
        return 1
    files = {page.path: page.inlined() for page in pages}
    files["assets/bsc/bsc.css"] = resources.files("bsc_site").joinpath("assets", "bsc.css").read_text("utf-8")
    clashes = sorted(p for p in files if (out / p).exists())
    if clashes and not args.force:
        print(f"bsc: not overwriting {len(clashes)} existing file(s) in {out}, e.g. {clashes[0]} "
              "(use --force to replace them)", file=sys.stderr)
        return 1
    for path, text in files.items():
        target = out / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
        except OSError as exc:
            print(f"bsc: cannot write {target}: {exc.strerror or exc}"
                  f"{f' ({exc.filename})' if exc.filename and str(exc.filename) != str(target) else ''}",
                  file=sys.stderr)
            return 1
    print(f"bsc: wrote {len(files)} files to {out}")
    return 0


def cmd_init(args) -> int:
    """Scaffold a new scorecard project into a folder; never overwrite anything."""
    import datetime

    from . import scaffold

    try:
        period = scaffold.review_period(args.period or scaffold.default_period(datetime.date.today()))
    except ValueError as exc:
        print(f"bsc init: error: --period: {exc}", file=sys.stderr)
        return 2
    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        print(f"bsc: not writing anything: {root} is a file, not a folder", file=sys.stderr)
        return 1
    files = scaffold.project_files(period)
    existing = scaffold.conflicts(root, files)
    if existing:
        print(f"bsc: not writing anything: {len(existing)} file(s) already exist in {root}:", file=sys.stderr)
        for rel in existing:
            print(f"  {root / rel}", file=sys.stderr)
        print("bsc: choose an empty folder, or move these files away", file=sys.stderr)
        return 1
    try:
        scaffold.write(root, files)
    except OSError as exc:
        print(f"bsc: cannot write into {root}: {exc.strerror or exc} ({exc.filename}); nothing written",
              file=sys.stderr)
        return 1
    go = "" if root.resolve() == Path.cwd().resolve() else f"  cd {root}\n"
    print(f"bsc: created a scorecard project in {root} ({len(files)} files, review period {period.label}).\n"
          "Next steps:\n"
          f"{go}"
          "  bsc validate scorecards     # check the files\n"
          "  mkdocs serve                # preview the site at http://127.0.0.1:8000 (needs Graphviz: dot -V)\n"
          "Then replace the example company with your own, starting with scorecards/organization.yml.")
    return 0


def cmd_schema(args) -> int:
    from . import schema

    schemas = schema.all_schemas()
    if args.out is None:
        sys.stdout.write(schema.dumps(schemas[args.name]))
        return 0
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"bsc: cannot write into {out}: {exc.strerror or exc}"
              f"{' (it is a file, not a folder)' if out.is_file() else ''}", file=sys.stderr)
        return 1
    status = 0
    for name, document in schemas.items():
        status |= _write(schema.dumps(document), str(out / f"{name}.schema.json"), args.force)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bsc", description="Balanced Scorecards as code.")
    parser.add_argument("--version", action="version", version=f"bsc-site {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_path(p):
        p.add_argument("path", nargs="?", default=DEFAULT_PATH,
                       help=f"the scorecard folder (default: {DEFAULT_PATH})")
        p.add_argument("--cache-dir", default=DEFAULT_CACHE,
                       help=f"keep the unit files as read (and laid-out maps) here (default: {DEFAULT_CACHE})")
        p.add_argument("--no-cache", action="store_true", help="read every file afresh and write no cache")
        return p

    p = with_path(sub.add_parser("validate", help="check the files; report every problem with its location"))
    p.add_argument("--strict", action="store_true", help="treat design-check warnings as errors")
    p.add_argument("--period", type=_period_label, help="the review period for the freshness checks, e.g. 2026-Q3")
    p.set_defaults(run=cmd_validate)

    p = with_path(sub.add_parser("status", help="print units x perspectives with their status"))
    p.add_argument("--period", type=_period_label, help="the review period, e.g. 2026-Q3 (default: the latest with data)")
    p.set_defaults(run=cmd_status)

    p = with_path(sub.add_parser("export", help="write the evaluated model as JSON or CSV"))
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--period", type=_period_label, help="the review period (default: the latest with data)")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")
    p.set_defaults(run=cmd_export)

    p = with_path(sub.add_parser("snapshot", help="freeze a review period's evaluation as reviews/<period>.snapshot.json"))
    p.add_argument("--period", type=_period_label, help="the review period (default: the latest with data)")
    p.set_defaults(run=cmd_snapshot)

    p = with_path(sub.add_parser("pages", help="write the site's pages as Markdown files (for any generator)"))
    p.add_argument("--out", required=True, help="the folder to write into (e.g. your docs folder)")
    p.add_argument("--period", type=_period_label, help="the review period (default: the latest with data)")
    p.add_argument("--path-prefix", default="", help="folder of the pages inside the site (default: the top)")
    p.add_argument("--html-urls", action="store_true", help="links end in .html (generators without pretty URLs)")
    p.add_argument("--templates", help="a folder of template overrides")
    p.add_argument("--no-maps", action="store_true", help="leave out the strategy maps (no Graphviz needed)")
    p.add_argument("--force", action="store_true", help="replace files that already exist")
    p.set_defaults(run=cmd_pages)

    p = sub.add_parser("init", help="start a new scorecard project: example files, mkdocs.yml, schemas")
    p.add_argument("dir", nargs="?", default=".", help="the folder to create it in (default: the current folder)")
    p.add_argument("--period", type=_period_label,
                   help="the quarter of the sample review, e.g. 2026-Q3 (default: the last quarter that "
                        "ended before today; the date only picks the period labels)")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("schema", help="print or write the JSON Schemas of the file formats")
    p.add_argument("name", nargs="?", default="unit", choices=("organization", "unit", "review", "actuals", "evaluation"))
    p.add_argument("--out", help="write every schema into this folder")
    p.add_argument("--force", action="store_true", help="replace existing schema files")
    p.set_defaults(run=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    _KEPT.clear()  # what an earlier call (in the same process) kept
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `bsc export | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except ForkError as exc:  # the loading helper was killed (out of memory, most likely)
        print(f"bsc: {exc}", file=sys.stderr)
        return 2


def entry() -> None:
    """The `bsc` command: `main`, then an exit that leaves the loaded model (`_KEPT`) to the
    operating system instead of freeing its millions of objects one by one (seconds for a
    large organisation)."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
