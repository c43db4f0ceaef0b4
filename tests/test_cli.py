"""``fastreg fit`` on bad input: one line on stderr naming the problem, no traceback, and the
exit status documented in ``--help`` (2 usage, 3 data, 4 fit failed)."""

import io
import re
import subprocess
import sys
from pathlib import Path

import fastreg
import numpy as np
import pytest
from fastreg.cli import main

CLEAN = "a,b,y\n1,2,3\n4,5,6\n2,2,1\n7,1,5\n"


def run(argv, capsys):
    """(exit status, stdout, stderr) of ``fastreg`` run in-process."""
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def run_subprocess(*argv):
    return subprocess.run(
        [sys.executable, "-m", "fastreg", *argv], capture_output=True, text=True, check=False
    )


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def assert_data_error(result, *fragments):
    status, out, err = result
    assert status == 3, err
    assert out == ""
    assert err.startswith("fastreg: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err


def assert_usage_error(result, *fragments):
    status, out, err = result
    assert status == 2, err
    assert out == ""
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("fastreg fit: error: argument "), err
    for fragment in fragments:
        assert fragment in last


def summary_lines(out):
    # The summary without its first line (which names the file) and its timing.
    return [line for line in out.splitlines()[1:] if "fit time" not in line]


@pytest.mark.parametrize("text", ["", "\n\n  \n"], ids=["empty", "only-blank-lines"])
def test_empty_file_is_a_data_error(tmp_path, capsys, text):
    path = write(tmp_path, text)
    assert_data_error(run(["fit", path], capsys), path, "empty file")


def test_header_without_enough_rows_is_a_data_error(tmp_path, capsys):
    path = write(tmp_path, "a,b,y\n\n")
    assert_data_error(run(["fit", path], capsys), path, "needs at least 2 data rows", "has 0")


def test_blank_lines_are_skipped_as_pandas_does(tmp_path, capsys):
    status, clean, _ = run(["fit", write(tmp_path, CLEAN, "clean.csv")], capsys)
    assert status == 0
    lines = CLEAN.splitlines()
    blanks = "\n" + "\n".join(lines[:2] + ["", "   "] + lines[2:]) + "\n\n\n"
    status, out, err = run(["fit", write(tmp_path, blanks)], capsys)
    assert status == 0, err
    assert "samples: 4, features: 2" in out
    assert summary_lines(out) == summary_lines(clean)


def test_missing_file_is_a_data_error(tmp_path, capsys):
    path = str(tmp_path / "nope.csv")
    assert_data_error(run(["fit", path], capsys), path, "no such file")


def test_directory_is_a_data_error(tmp_path, capsys):
    assert_data_error(run(["fit", str(tmp_path)], capsys), str(tmp_path), "is a directory")


def test_not_utf8_is_a_data_error(tmp_path, capsys):
    path = write(tmp_path, b"a,b,y\n1,2,3\n4,\xff,6\n")
    assert_data_error(run(["fit", path], capsys), path, "not UTF-8")


def test_ragged_row_names_its_line(tmp_path, capsys):
    path = write(tmp_path, "a,b,y\n1,2,3\n\n4,5\n2,2,1\n")
    result = run(["fit", path], capsys)
    assert_data_error(result, f"{path}, line 4:", "2 fields", "header has 3")
    assert "non-numeric" not in result[2]


@pytest.mark.parametrize(
    "field, problem",
    [
        ("x", "'x' is not a number"),
        ("", "empty value"),
        ("nan", "not a finite"),
        ("1e999", "not a finite"),
    ],
)
def test_bad_field_names_line_and_column(tmp_path, capsys, field, problem):
    path = write(tmp_path, f"a;b;y\n1;2;3\n4;{field};6\n2;2;1\n")
    assert_data_error(run(["fit", path], capsys), f"{path}, line 3, column 'b'", problem)


def test_missing_target_names_the_columns(tmp_path, capsys):
    path = write(tmp_path, CLEAN)
    assert_data_error(
        run(["fit", path, "--target", "nope"], capsys), "target column 'nope'", "a, b, y"
    )


def test_byte_order_mark_is_stripped(tmp_path, capsys):
    status, clean, _ = run(["fit", write(tmp_path, CLEAN, "clean.csv"), "--target", "a"], capsys)
    assert status == 0
    path = write(tmp_path, b"\xef\xbb\xbf" + CLEAN.encode())
    status, out, err = run(["fit", path, "--target", "a"], capsys)
    assert status == 0, err
    assert "target: a" in out
    assert summary_lines(out) == summary_lines(clean)
    status, out, _ = run(["fit", path], capsys)  # the first column's name is a feature's
    assert status == 0 and "\ufeff" not in out


def test_separator_option(tmp_path, capsys):
    path = write(tmp_path, CLEAN.replace(",", "\t"))
    status, out, err = run(["fit", path, "--sep", "tab"], capsys)
    assert status == 0 and "samples: 4, features: 2" in out, err
    assert_usage_error(run(["fit", path, "--sep", "ab"], capsys), "--sep")


def test_fit_failure_has_its_own_status(capsys, monkeypatch):
    def fail(self, X, y):
        raise ValueError("the data overflowed\nsecond line of detail")

    monkeypatch.setattr(fastreg.Lasso, "fit", fail)
    status, _, err = run(["fit"], capsys)
    assert status == 4
    assert err == "fastreg: error: Lasso fit failed: the data overflowed\n"


def test_interrupt_exits_quietly(capsys, monkeypatch):
    def interrupt(self, X, y):
        raise KeyboardInterrupt

    monkeypatch.setattr(fastreg.Lasso, "fit", interrupt)
    try:
        status, _, err = run(["fit"], capsys)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main")
    assert status == 130 and err == "fastreg: interrupted\n"


def test_closed_stdout_exits_quietly(tmp_path, capsys, monkeypatch):
    # As `fastreg fit | head -1` once the summary outgrows the pipe's buffer; main then points
    # stdout's descriptor (here a file's) at devnull.
    with open(tmp_path / "sink", "w") as sink:

        class ClosedPipe(io.StringIO):
            def write(self, text):
                raise BrokenPipeError(32, "Broken pipe")

            def fileno(self):
                return sink.fileno()

        monkeypatch.setattr(sys, "stdout", ClosedPipe())
        status, _, err = run(["fit"], capsys)
    assert status == 141 and err == ""


def test_exit_statuses_as_a_process(tmp_path):
    usage = run_subprocess("fit", "--no-such-option")
    data = run_subprocess("fit", str(tmp_path / "missing.csv"))
    assert usage.returncode == 2 and data.returncode == 3
    assert "Traceback" not in data.stderr
    assert data.stderr == f"fastreg: error: {tmp_path / 'missing.csv'}: no such file\n"
    ok = run_subprocess("fit", write(tmp_path, CLEAN))
    assert ok.returncode == 0 and ok.stderr == ""


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["--cv", "3", "--alpha", "0.1"], ["--alpha", "not allowed with argument --cv"]),
        (["--l1-ratio", "0.3"], ["--l1-ratio", "--model lasso"]),
        (["--cv", "3", "--l1-ratio", "0.3"], ["--l1-ratio", "--model lasso"]),
        (["--plot", "cv.png"], ["--plot", "needs argument --cv"]),
        (["--model", "elasticnet", "--l1-ratio", "0.2,0.8"], ["--l1-ratio", "--cv"]),
        (["--target", "bmi"], ["--target", "CSV"]),
        (["--sep", ";"], ["--sep", "CSV"]),
    ],
)
def test_conflicting_options_are_usage_errors(capsys, argv, fragments):
    assert_usage_error(run(["fit", *argv], capsys), *fragments)


def test_dataset_with_csv_is_a_usage_error(tmp_path, capsys):
    path = write(tmp_path, CLEAN)
    assert_usage_error(run(["fit", path, "--dataset", "diabetes"], capsys), "--dataset", "CSV")


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--alpha", "-1"], "alpha must be >= 0"),
        (["--alpha", "nan"], "alpha must be finite"),
        (["--model", "elasticnet", "--l1-ratio", "1.5"], "l1_ratio must be <= 1"),
        (["--max-iter", "0"], "max_iter must be >= 1"),
        (["--max-iter", "1.5"], "not an integer"),
        (["--tol", "-0.001"], "tol must be >= 0"),
        (["--cv", "1"], "K must be >= 2"),
        (["--dataset", "iris"], "invalid choice: 'iris'"),
    ],
)
def test_bad_option_values_are_usage_errors(capsys, argv, fragment):
    assert_usage_error(run(["fit", *argv], capsys), argv[-2], fragment)


def test_plot_into_missing_folder_is_a_usage_error(tmp_path, capsys):
    target = str(tmp_path / "no" / "cv.png")
    assert_usage_error(run(["fit", "--cv", "3", "--plot", target], capsys), "--plot", "folder")


def test_unwritable_plot_is_a_data_error(tmp_path, capsys):
    # A folder where the image should go: found only when saving, after the fit.
    folder = tmp_path / "cv.png"
    folder.mkdir()
    status, out, err = run(["fit", "--cv", "3", "--plot", str(folder)], capsys)
    assert status == 3 and "alpha (min CV error)" in out
    assert err == f"fastreg: error: {folder}: cannot write the plot: Is a directory\n"


def test_plot_without_suffix_is_a_png(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(["fit", "--cv", "3", "--plot", "cv"], capsys)
    assert status == 0 and "CV plot saved to cv.png" in out
    assert (tmp_path / "cv.png").stat().st_size > 0


def test_more_folds_than_rows_is_a_data_error(tmp_path, capsys):
    path = write(tmp_path, CLEAN)
    assert_data_error(run(["fit", path, "--cv", "5"], capsys), "4 data rows", "--cv 5")


def test_warnings_are_one_line_each(capsys):
    status, out, err = run(["fit", "--max-iter", "1", "--tol", "0"], capsys)
    assert status == 0 and "duality gap" in out
    assert err.startswith("fastreg: warning: Objective did not converge") and err.count("\n") == 1


def test_help_is_plain_text_and_documents_exit_statuses(capsys):
    status, out, _ = run(["--help"], capsys)
    assert status == 0
    assert "``" not in out and "exit status" in out
    for line in ("0    success", "2    usage error", "3    data error", "4    the fit failed"):
        assert line in out


def option_help(out):
    """{option: its line(s) of help, joined} from argparse's ``--help`` output."""
    helps, option = {}, None
    for line in out.split("options:")[1].split("exit status:")[0].splitlines():
        if line.startswith("  -"):
            option = line.split()[0].rstrip(",")
            helps[option] = line
        elif option and line.startswith("   "):
            helps[option] += line
    return {option: " ".join(text.split()) for option, text in helps.items()}


def test_fit_help_shows_defaults_and_choices(capsys):
    status, out, _ = run(["fit", "--help"], capsys)
    assert status == 0 and "exit status" in out
    helps = option_help(out)
    assert helps["--dataset"].startswith("--dataset {diabetes} built-in dataset")
    assert helps["--model"].startswith("--model {lasso,elasticnet} penalty")
    for option, default in [
        ("--model", "lasso"),
        ("--dataset", "diabetes"),
        ("--alpha", "1"),
        ("--l1-ratio", "0.5"),
        ("--max-iter", "1000"),
        ("--tol", "0.0001"),
    ]:
        assert helps[option].endswith(f"(default: {default})"), helps[option]


def test_readme_commands_are_valid(monkeypatch):
    # The README's `fastreg fit ...` lines parse without a usage error (one had --l1-ratio
    # without --model elasticnet, which the CLI used to ignore).
    from fastreg.cli import _build_parser, _check_combination

    readme = Path(__file__).resolve().parent.parent / "README.md"
    if not readme.exists():
        pytest.skip("README.md not beside the tests")
    commands = re.findall(r"fastreg (fit[^`#\n]*)", readme.read_text())
    assert len(commands) >= 4
    monkeypatch.chdir(readme.parent)
    for command in commands:
        parser, fit = _build_parser()
        try:
            _check_combination(fit, parser.parse_args(command.split()))
        except SystemExit:
            pytest.fail(f"README: `fastreg {command.strip()}` is a usage error")


def test_good_input_still_fits(tmp_path, capsys):
    from sklearn.linear_model import ElasticNet

    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 3))
    y = X @ [1.0, 0.0, -2.0] + 0.1 * rng.standard_normal(30)
    path = tmp_path / "q.csv"
    body = "\n".join(";".join(f"{v:.17g}" for v in row) for row in np.c_[X, y])
    path.write_text('"u";"v w";"x";"resp"\r\n' + body.replace("\n", "\r\n") + "\r\n")
    argv = ["fit", str(path), "--target", "resp", "--model", "elasticnet", "--alpha", "0.05"]
    status, out, err = run(argv + ["--l1-ratio", "0.7"], capsys)
    assert status == 0 and err == ""
    ref = ElasticNet(alpha=0.05, l1_ratio=0.7).fit(X, y)
    assert f"R² (training): {ref.score(X, y):.4f}" in out and "target: resp" in out
