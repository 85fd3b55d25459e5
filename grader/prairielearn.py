"""PrairieLearn external grader: ``lstm-grader prairielearn`` writes what a course needs;
``run`` grades inside the grading container.

PrairieLearn's external grading (docs/externalGrading.md in PrairieLearn's repository) mounts
a job folder at ``/grade``: the files a question lists in ``externalGradingOptions``'
``serverFilesCourse`` under ``/grade/serverFilesCourse/``, the student's files under
``/grade/student/``; it runs the ``entrypoint`` in the question's ``image`` (no network unless
``enableNetworking``), kills it after ``timeout`` seconds, and reads
``/grade/results/results.json`` (at most 1 MiB) only when the entrypoint exits 0: otherwise
the student sees "Grading failed". So the entrypoint here always writes a results.json and
always exits 0; a fault of the grader or a missing file becomes "Invalid, not gradable"
(``gradable: false``, no attempt charged) with the reason.

The folder written (``--out DIR``), to merge into the course repository:

- ``serverFilesCourse/lstm_grader/``: ``run_grader`` (the entrypoint), ``rubric.toml`` (when
  given) and ``src/`` (the grader's own sources, run through ``PYTHONPATH``: the course grades
  with exactly the code it was built from);
- ``questions/lstm_grader/``: a minimal question (``info.json`` with the
  ``externalGradingOptions``, ``question.html`` with a file upload and the results element);
- ``externalGradingOptions.json``: the same options, for a question of your own;
- ``image/``: a ``Dockerfile`` for the grading image (Python as here, torch from the CPU index,
  the other dependencies at the exact versions of ``requirements.lock``), to build and push to
  Docker Hub under the name given as ``--image``.

``run_grader`` reads ``GRADE_ROOT`` (default ``/grade``) and ``LSTM_GRADER_PYTHON`` (default
``python3``), for tests and for trying it outside PrairieLearn.
"""

from __future__ import annotations

import json
import platform
import sys
import traceback
import uuid
from pathlib import Path
from typing import Any

from grader.autograder import (
    LOCK,
    grade_upload,
    install_commands,
    lock_text,
    platform_main,
    source_files,
)
from grader.errors import ConfigError
from grader.files import atomic_write

FOLDER = "lstm_grader"              # under the course's serverFilesCourse/
ENTRYPOINT = f"/grade/serverFilesCourse/{FOLDER}/run_grader"
DEFAULT_TIMEOUT_S = 300             # PrairieLearn's own default is 30 s, its maximum 600 s
MAX_TIMEOUT_S = 600

RUN_GRADER = """#!/usr/bin/env bash
# PrairieLearn's entrypoint: grade the file in $root/student into $root/results/results.json.
# PrairieLearn reads that file only when this exits 0, so it always does. GRADE_ROOT and
# LSTM_GRADER_PYTHON override the paths.
set -uo pipefail
root=${{GRADE_ROOT:-/grade}}
here="$root/serverFilesCourse/{folder}"
py=${{LSTM_GRADER_PYTHON:-python3}}
args=(--root "$root" --time-limit {timeout})
if [[ -f "$here/rubric.toml" ]]; then
  args+=(--rubric "$here/rubric.toml")
fi
export PYTHONPATH="$here/src${{PYTHONPATH:+:$PYTHONPATH}}"
export HYPOTHESIS_STORAGE_DIRECTORY=${{HYPOTHESIS_STORAGE_DIRECTORY:-$(mktemp -d)}}
"$py" -m grader.prairielearn run "${{args[@]}}"
if [[ ! -s "$root/results/results.json" ]]; then
  # Python itself could not start (a broken image): still answer, as not gradable.
  mkdir -p "$root/results"
  cat > "$root/results/results.json" <<'EOF'
{{"gradable": false, "score": 0.0,
 "message": "The grader could not start; this is not a problem with your code.",
 "format_errors": ["The grader could not start (see the job log); tell your instructor."],
 "tests": []}}
EOF
fi
exit 0
"""

DOCKERFILE = """\
# The grading image for lstm-grader on PrairieLearn. Build and push it under the name in
# the questions' externalGradingOptions.image, e.g.
#   docker build -t {image} . && docker push {image}
FROM python:{python}-slim
# bubblewrap: the sandbox for student code, where the container allows it (the grader falls
# back to resource limits and user nobody where it does not).
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \\
    && rm -rf /var/lib/apt/lists/*
COPY install.sh {lock} /opt/lstm-grader-image/
RUN bash /opt/lstm-grader-image/install.sh
"""

QUESTION_HTML = """\
<pl-question-panel>
  <p>
    Implement the classes of the LSTM exercises ({classes}) in <code>{stem}.py</code>, the
    handout's file, and upload it. Check it on your own machine first with
    <code>lstm-grader check {stem}.py</code>.
  </p>
  <pl-file-upload file-names="{stem}.py"></pl-file-upload>
</pl-question-panel>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""


def grading_options(image: str, timeout: int) -> dict[str, Any]:
    """``externalGradingOptions`` of a question's info.json (PrairieLearn's infoQuestion
    schema: ``image`` required; ``entrypoint``, ``serverFilesCourse``, ``timeout``,
    ``enableNetworking`` optional)."""
    return {"image": image, "entrypoint": ENTRYPOINT, "serverFilesCourse": [f"{FOLDER}/"],
            "timeout": timeout, "enableNetworking": False}


def default_image() -> str:
    from grader import __version__

    return f"lstm-grader:{__version__}"


def build_course(rubric: Path | None, out: Path, image: str | None = None,
                 timeout: int = DEFAULT_TIMEOUT_S) -> list[Path]:
    """Write the course files into ``out``; returns the files written."""
    from grader.exercises import get_exercise
    from grader.handout import STEM
    from grader.rubric import load_rubric

    loaded = load_rubric(rubric)  # refuse a broken rubric now, not on the first student
    if not isinstance(timeout, int) or not 0 < timeout <= MAX_TIMEOUT_S:
        raise ConfigError(f"--timeout must be a whole number of seconds in 1..{MAX_TIMEOUT_S} "
                          f"(PrairieLearn's maximum), got {timeout!r}")
    image = image or default_image()
    written: list[Path] = []

    def write(rel: str, text: str, executable: bool = False) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as stream:
            stream.write(text)
        if executable:
            path.chmod(0o755)
        written.append(path)

    server = f"serverFilesCourse/{FOLDER}"
    write(f"{server}/run_grader", RUN_GRADER.format(folder=FOLDER, timeout=timeout), True)
    if rubric is not None:
        write(f"{server}/rubric.toml", rubric.read_text(encoding="utf-8"))
    for name, text in source_files():
        write(f"{server}/src/{name}", text)
    options = grading_options(image, timeout)
    write("externalGradingOptions.json", json.dumps(options, indent=2) + "\n")
    classes = ", ".join(get_exercise(e).class_name for e in loaded.exercises)
    info = {"uuid": str(uuid.uuid4()), "title": "LSTM from scratch", "topic": "LSTM",
            "tags": ["lstm-grader"], "type": "v3", "singleVariant": True,
            "gradingMethod": "External", "externalGradingOptions": options}
    write(f"questions/{FOLDER}/info.json", json.dumps(info, indent=2) + "\n")
    write(f"questions/{FOLDER}/question.html", QUESTION_HTML.format(classes=classes, stem=STEM))
    python = ".".join(platform.python_version_tuple()[:2])
    write("image/Dockerfile", DOCKERFILE.format(image=image, python=python, lock=LOCK))
    write("image/install.sh", "#!/usr/bin/env bash\nset -euo pipefail\n"
          'here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)\n'
          + install_commands("python3", None), True)
    write(f"image/{LOCK}", lock_text())
    return written


# -- inside the grading container -----------------------------------------------------------
def run(root: Path, rubric_path: Path | None, time_limit: float = DEFAULT_TIMEOUT_S) -> int:
    """Grade ``root/student`` into ``root/results/results.json``; always writes it and
    returns 0 (PrairieLearn ignores the results of an entrypoint that fails)."""
    from grader.i18n import tr
    from grader.reports import prairielearn

    results = root / "results" / "results.json"
    lang = "en"
    try:
        from grader.rubric import load_rubric

        rubric = load_rubric(rubric_path)
        lang = rubric.config.lang
        report, why = grade_upload(root / "student", rubric, time_limit)
        data = prairielearn.not_gradable(tr("pl.nothing_graded", lang, reason=why)) \
            if report is None else prairielearn.to_dict(report)
    except Exception as exc:
        traceback.print_exc()
        data = prairielearn.not_gradable(
            tr("pl.grader_failed", lang, error=f"{type(exc).__name__}: {exc}"))
    results.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(results) as stream:
        json.dump(data, stream, indent=2, ensure_ascii=False, allow_nan=False)
        stream.write("\n")
    print(f"lstm-grader: gradable={data['gradable']} score={data['score']:g} -> {results}")
    return 0


# -- command line ---------------------------------------------------------------------------
def add_parser(sub: Any) -> None:
    p = sub.add_parser("prairielearn",
                       help="write the files a PrairieLearn course needs to grade with us")
    p.add_argument("--rubric", type=Path, default=None,
                   help="rubric TOML file to grade with (default: the built-in rubric)")
    p.add_argument("--out", type=Path, default=Path("prairielearn"),
                   help="folder to write into (default ./prairielearn)")
    p.add_argument("--image", default=None,
                   help="Docker Hub name of the grading image built from image/Dockerfile "
                        f"(default {default_image()}, which only a local PrairieLearn finds)")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                   help=f"externalGradingOptions.timeout (default {DEFAULT_TIMEOUT_S}, at most "
                        f"{MAX_TIMEOUT_S}); grading stops before it, so results are written")


def command(args: Any) -> int:
    written = build_course(args.rubric, args.out, args.image, args.timeout)
    print(f"lstm-grader: PrairieLearn files ({len(written)}) -> {args.out}: copy "
          f"serverFilesCourse/ and questions/ into the course; build image/Dockerfile and "
          f"push it as {args.image or default_image()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.prairielearn run --root DIR [--rubric FILE] [--time-limit S]``."""
    return platform_main(argv, "grader.prairielearn", "student", Path("/grade"),
                         DEFAULT_TIMEOUT_S, run)


if __name__ == "__main__":
    sys.exit(main())
