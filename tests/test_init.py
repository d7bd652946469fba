"""`bsc init` as a user runs it, and the publishing recipes shipped beside it.

The scaffold must be valid (strict), build into a real site, never overwrite a file,
and depend only on --period. The recipes must be the YAML their CI systems read, and
run the strict checks.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bsc_site import scaffold, schema

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-Q3"
UNIT = "harbour-coffee"

OWN_FILES = {  # everything but the schemas
    ".gitignore",
    "mkdocs.yml",
    "docs/how-to-read.md",
    "scorecards/organization.yml",
    f"scorecards/units/{UNIT}.yml",
    "scorecards/actuals/actuals.csv",
    f"scorecards/reviews/{PERIOD}.yml",
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                            timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONIOENCODING": "utf-8"})
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def bsc(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run("-m", "bsc_site.cli", *args, cwd=cwd)


def init(folder: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return bsc("init", str(folder), *args, cwd=cwd or folder.parent)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """One scaffold for the tests that only read it."""
    folder = tmp_path_factory.mktemp("init") / "strategy"
    result = init(folder, "--period", PERIOD)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


# -- what init writes ------------------------------------------------------------------


def test_init_writes_the_project_and_says_what_next(tmp_path):
    folder = tmp_path / "strategy"
    result = init(folder, "--period", PERIOD)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "bsc validate scorecards" in result.stdout
    assert "mkdocs serve" in result.stdout
    schemas = {f"schemas/{name}.schema.json" for name in schema.all_schemas()}
    assert set(snapshot(folder)) == OWN_FILES | schemas
    for name, document in schema.all_schemas().items():
        assert (folder / f"schemas/{name}.schema.json").read_text(encoding="utf-8") == schema.dumps(document)
    assert set((folder / ".gitignore").read_text(encoding="utf-8").split()) >= {"site/", ".cache/"}


def test_yaml_files_point_at_schemas_that_exist(project):
    yaml_files = sorted(p for p in (project / "scorecards").rglob("*.yml"))
    assert yaml_files
    for path in yaml_files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        if match is None:  # only a schema the package does not (yet) have may be left out
            assert path.parent.name == "reviews" and "review" not in schema.all_schemas(), path
            continue
        assert (path.parent / match.group(1)).resolve().is_file(), f"{path}: {match.group(1)}"


def test_the_scaffold_is_valid_even_strictly(project):
    for strict in ([], ["--strict"]):
        result = bsc("validate", "scorecards", *strict, cwd=project)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == "scorecards: 1 units, 4 KPIs, 8 actuals: valid"


def test_the_scaffold_is_a_small_balanced_scorecard(project):
    org = read_yaml(project / "scorecards/organization.yml")
    order = [p["id"] for p in org["perspectives"]]
    assert order == ["financial", "customer", "internal-process", "learning-growth"]
    assert len(org["themes"]) == 1 and len(org["kpis"]) == 1
    assert org["review_cadence"] == "quarterly" and "fiscal_year_start" in org
    library = {k["id"]: k for k in org["kpis"]}

    unit = read_yaml(project / f"scorecards/units/{UNIT}.yml")
    assert unit["id"] == UNIT and "parent" not in unit
    objectives = {o["id"]: o for o in unit["objectives"]}
    assert sorted(o["perspective"] for o in objectives.values()) == sorted(order)
    rank = {o["id"]: order.index(o["perspective"]) for o in objectives.values()}
    links = [(o["id"], d) for o in objectives.values() for d in o.get("drives", [])]
    assert len(links) == 3 and all(rank[effect] < rank[cause] for cause, effect in links)  # upward only

    indicators = set()
    for objective in objectives.values():
        (kpi,) = objective["kpis"]
        full = {**library.get(kpi.get("definition"), {}), **kpi}
        for field in ("owner", "target", "red_flag", "data_source", "indicator"):
            assert field in full, f"{kpi['id']} has no {field}"
        indicators.add(full["indicator"])
    assert indicators == {"leading", "lagging"}

    rows = (project / "scorecards/actuals/actuals.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "unit,kpi,period,value,note"
    assert {row.split(",")[2] for row in rows[1:]} == {"2026-Q2", PERIOD}

    review = read_yaml(project / f"scorecards/reviews/{PERIOD}.yml")
    assert str(review["period"]) == PERIOD
    assert {"date", "forum", "summary", "commentary", "actions"} <= set(review)
    for entry in review["commentary"]:
        assert entry["unit"] == UNIT
        assert entry.get("objective", next(iter(objectives))) in objectives
    for action in review["actions"]:
        assert action["unit"] == UNIT and action["objective"] in objectives
        assert {"id", "what", "owner", "due", "status"} <= set(action)
        assert action["status"] in ("open", "done", "dropped")


def test_mkdocs_builds_the_scaffold_strictly(tmp_path):
    folder = tmp_path / "strategy"
    assert init(folder, "--period", PERIOD).returncode == 0
    result = run("-m", "mkdocs", "build", "--strict", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    page = folder / "site" / "units" / UNIT / "index.html"
    assert page.is_file()
    html = page.read_text(encoding="utf-8")
    assert "Grow profitable revenue" in html and "Gross margin" in html
    assert (folder / "site" / "how-to-read" / "index.html").is_file()


# -- never overwrite ---------------------------------------------------------------------


def test_init_again_refuses_and_changes_nothing(tmp_path):
    folder = tmp_path / "strategy"
    assert init(folder, "--period", PERIOD).returncode == 0
    before = snapshot(folder)
    result = init(folder, "--period", PERIOD)
    assert result.returncode == 1
    named = result.stderr.replace(os.sep, "/")
    assert "scorecards/organization.yml" in named
    assert [rel for rel in before if rel not in named] == []  # every existing file is listed
    assert snapshot(folder) == before


def test_init_into_a_file_says_so_and_writes_nothing(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine\n", encoding="utf-8")
    result = init(afile, "--period", PERIOD)
    assert result.returncode == 1
    assert result.stderr == f"bsc: not writing anything: {afile} is a file, not a folder\n"
    assert afile.read_text(encoding="utf-8") == "mine\n" and sorted(tmp_path.iterdir()) == [afile]


@pytest.mark.parametrize("existing", ["mkdocs.yml", "scorecards/organization.yml", "schemas/unit.schema.json",
                                      f"scorecards/reviews/{PERIOD}.yml"])
def test_one_existing_file_means_nothing_is_written(tmp_path, existing):
    folder = tmp_path / "strategy"
    mine = folder / existing
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"site_name: Mine\r\n")
    result = init(folder, "--period", PERIOD)
    assert result.returncode == 1
    assert existing in result.stderr.replace(os.sep, "/")
    assert snapshot(folder) == {existing: b"site_name: Mine\r\n"}
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == sorted(
        [existing, *(p.as_posix() for p in Path(existing).parents if str(p) != ".")])


def test_a_file_in_the_way_of_a_folder_means_nothing_is_written(tmp_path):
    folder = tmp_path / "strategy"
    folder.mkdir()
    (folder / "scorecards").write_text("not a folder\n", encoding="utf-8")
    result = init(folder, "--period", PERIOD)
    assert result.returncode == 1
    assert "scorecards" in result.stderr
    assert snapshot(folder) == {"scorecards": b"not a folder\n"}


def test_a_failed_write_removes_what_it_wrote(tmp_path):
    # 'late.txt/inner.txt' cannot be created once late.txt is a file: the write fails part-way
    files = {"one/early.txt": "1\n", "late.txt": "2\n", "late.txt/inner.txt": "3\n"}
    with pytest.raises(OSError):
        scaffold.write(tmp_path / "new", files)
    assert not (tmp_path / "new").exists()


# -- the period --------------------------------------------------------------------------


def test_the_output_depends_only_on_the_period(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert init(a, "--period", PERIOD).returncode == 0
    assert init(b, "--period", PERIOD).returncode == 0
    assert snapshot(a) == snapshot(b)
    assert init(c, "--period", "2025-Q1").returncode == 0
    assert (c / "scorecards/reviews/2025-Q1.yml").is_file()
    assert "2024-Q4" in (c / "scorecards/actuals/actuals.csv").read_text(encoding="utf-8")
    assert bsc("validate", "scorecards", "--strict", cwd=c).returncode == 0


def test_without_period_init_picks_a_quarter_and_is_valid(tmp_path):
    result = bsc("init", cwd=tmp_path)  # the current folder, the period from today's date
    assert result.returncode == 0, result.stderr
    (review,) = (tmp_path / "scorecards" / "reviews").iterdir()
    assert re.fullmatch(r"\d{4}-Q[1-4]\.yml", review.name)
    assert review.stem in (tmp_path / "scorecards/actuals/actuals.csv").read_text(encoding="utf-8")
    assert bsc("validate", "scorecards", "--strict", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("period", ["2026", "2026-09", "2026-Q5", "soon"])
def test_a_period_that_is_no_quarter_is_a_usage_error(tmp_path, period):
    result = init(tmp_path / "strategy", "--period", period)
    assert result.returncode == 2
    assert "period" in result.stderr
    assert not (tmp_path / "strategy").exists()


# -- the recipes -------------------------------------------------------------------------


def _commands(steps) -> str:
    return "\n".join(str(step.get("run", "")) if isinstance(step, dict) else str(step) for step in steps)


def test_the_github_actions_recipe_builds_strictly_and_deploys_to_pages():
    workflow = read_yaml(REPO / "recipes/github-actions.yml")
    assert workflow.get("on", workflow.get(True))  # PyYAML reads the key `on` as True
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    commands = _commands(build["steps"])
    assert "apt-get install -y graphviz" in commands
    assert "pip install" in commands
    assert "bsc validate scorecards --strict" in commands
    assert "mkdocs build --strict" in commands
    uses = [step.get("uses", "") for step in build["steps"]]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(step.get("uses", "").startswith("actions/deploy-pages@") for step in deploy["steps"])
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


def test_the_gitlab_recipe_publishes_public_from_a_strict_build():
    pipeline = read_yaml(REPO / "recipes/gitlab-ci.yml")
    pages = pipeline["pages"]
    commands = _commands(pages["script"])
    assert "bsc validate scorecards --strict" in commands
    assert "mkdocs build --strict --site-dir public" in commands
    assert pages["artifacts"]["paths"] == ["public"]
    setup = _commands(pipeline["default"]["before_script"])
    assert "graphviz" in setup and "pip install" in setup


def test_the_pre_commit_hook_runs_bsc_validate(project):
    hooks = read_yaml(REPO / ".pre-commit-hooks.yaml")
    (hook,) = [h for h in hooks if h["id"] == "bsc-validate"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert re.search(hook["files"], "scorecards/units/retail.yml")
    assert re.search(hook["files"], "strategy/scorecards/actuals/2026.csv")
    assert not re.search(hook["files"], "docs/index.md")
    program, *args = shlex.split(hook["entry"])
    assert (program, args) == ("bsc", ["validate"])
    result = bsc(*args, cwd=project)  # as pre-commit runs it, from the repository's top
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_the_yaml_snippets_in_the_recipes_readme_parse():
    text = (REPO / "recipes/README.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert snippets
    hook_ids = [hook["id"] for snippet in snippets for repo in yaml.safe_load(snippet)["repos"]
                for hook in repo["hooks"]]
    assert hook_ids and set(hook_ids) == {"bsc-validate"}
