"""The exercises' checks (`rnnbook.check`): each passes the chapter's own worked solution, taken
from the chapter's source, and fails typical wrong answers with a message naming what differs;
a failure is an `AssertionError`; a check changes no random number of the notebook; every check
is called in its exercise's text and at the end of its worked solution."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from rnnbook import check, cohort, data
from rnnbook.train import IGNORE_INDEX

BOOK = Path(__file__).resolve().parent.parent / "book"

EXERCISES = check.EXERCISES  # check -> (chapter, exercise label)


def block(chapter: str, start: str, label: str) -> str:
    """The text of one exercise (`start` = "exercise") or worked solution ("solution")."""
    text = (BOOK / f"{chapter}.md").read_text()
    if start == "solution":
        return text.split(f"```{{solution-start}} {label}\n", 1)[1].split("```{solution-end}")[0]
    return text.split(f":label: {label}\n```\n", 1)[1].split("```{exercise-end}")[0]


def solution(name: str):
    """The function `name` as the chapter's worked solution defines it: every top-level `def` of
    the solution's code cells, run in a namespace with what the chapters import."""
    chapter, label = EXERCISES[name]
    cells = re.findall(
        r"```\{code-cell\} ipython3\n(.*?)```", block(chapter, "solution", label), re.S
    )
    lines, defs = "\n".join(cells).splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith("def "):
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j] and not lines[j][0].isspace()),
                len(lines),
            )
            defs.append("\n".join(lines[i:end]))
    namespace = {"torch": torch, "np": np, "pd": pd, "data": data, "cohort": cohort}
    namespace["IGNORE_INDEX"] = IGNORE_INDEX
    exec("\n\n".join(defs), namespace)
    return namespace[name]


def test_every_check_has_an_exercise():
    assert set(EXERCISES) == set(check.CHECKS)
    public = {n for n in dir(check) if callable(getattr(check, n)) and not n[0].isupper()}
    assert public == {*check.CHECKS, "otter_tests"}
    assert check.__all__ == ["CHECKS", "EXERCISES", "CheckFailed", "otter_tests", *check.CHECKS]


@pytest.mark.parametrize("name", check.CHECKS)
def test_the_exercise_says_how_to_check_and_the_solution_calls_it(name):
    chapter, label = EXERCISES[name]
    exercise = block(chapter, "exercise", label)
    assert exercise.lstrip().startswith("*Implement")
    assert f"`check.{name}({name})`" in " ".join(exercise.split())
    code = block(chapter, "solution", label).rsplit("```{code-cell} ipython3", 1)[1]
    last = code.split("```")[0].strip().splitlines()
    assert f"check.{name}({name})" in [line.strip() for line in last]
    before = (BOOK / f"{chapter}.md").read_text().split(f":label: {label}\n", 1)[0]
    assert re.search(r"from rnnbook import \(?[^)]*\bcheck\b", before)  # imported before


@pytest.mark.parametrize("name", check.CHECKS)
def test_the_worked_solution_passes(name, capsys):
    assert getattr(check, name)(solution(name)) is None
    assert capsys.readouterr().out.startswith(f"{name}: all 3 hidden cases match (")


def test_a_failure_is_an_assertion_error_naming_the_exception():
    assert issubclass(check.CheckFailed, AssertionError)

    def broken(x, h, cell):
        raise ValueError("shapes do not fit")

    with pytest.raises(AssertionError, match="hidden case 1 of 3") as failed:
        check.gru_step(broken)
    assert isinstance(failed.value, check.CheckFailed)
    assert "your function raised ValueError: shapes do not fit" in str(failed.value)


def test_a_check_changes_no_random_number_of_the_notebook():
    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    check.gru_step(solution("gru_step"))
    check.clip_by_global_norm(solution("clip_by_global_norm"))
    assert torch.equal(torch.rand(3), before)


def test_a_message_does_not_show_the_expected_value():
    from rnnbook.evaluate import expected_calibration_error

    rng = np.random.default_rng(1)  # the first hidden case of check.ece, rebuilt
    inputs = check.clinical_evaluation._case(rng, 1)
    expected = expected_calibration_error(inputs["y"], inputs["p"])
    with pytest.raises(check.CheckFailed) as failed:
        check.ece(lambda y, p: expected + 0.25)
    message = str(failed.value)
    assert "your ECE is off by 0.25 (tolerance atol 1e-12)" in message
    assert not any(f"{expected:.{k}f}" in message for k in range(2, 8))


# --- typical wrong answers, each with what its message must say ------------------------------

FEATURES = data.FEATURES


def std_pooled_over_the_class(table):  # one std of all the class's samples together
    return table.groupby("y")[FEATURES].apply(lambda g: g.to_numpy().std(ddof=1))


def std_of_each_column(table):  # axis confusion: the std of each sample position over rows
    return table.groupby("y")[FEATURES].std().mean(axis=1)


def padded_last_row(samples):  # the leftover samples padded into a 24th row
    n = -(-len(samples) // 178)
    return np.pad(samples, (0, n * 178 - len(samples))).reshape(n, 178)


def column_major(samples):  # the samples laid out down the columns
    n = len(samples) // 178
    return samples[: n * 178].reshape(178, n).T


def first_samples_dropped(samples):  # the leftover taken from the start, not the end
    n = len(samples) // 178
    return samples[len(samples) - n * 178 :].reshape(n, 178)


def _concat(X, rnn, act=torch.tanh, bias=True, last=False):
    W = torch.cat([rnn.weight_ih_l0, rnn.weight_hh_l0], dim=1)
    b = rnn.bias_ih_l0 + (rnn.bias_hh_l0 if bias else 0)
    h, states = torch.zeros(len(X), W.shape[0]), []
    for t in range(X.shape[1]):
        h = act(torch.cat([X[:, t], h], dim=1) @ W.T + b)
        states.append(h)
    return h if last else torch.stack(states, dim=1)


def _clip(params, max_norm, each=False, always=False, reuse=False, frozen_ok=True):
    params = params if reuse else [p for p in params if p.grad is not None or not frozen_ok]
    norm = torch.cat([p.grad.flatten() for p in params]).norm()
    for p in params:
        scale = max_norm / (p.grad.norm() if each else norm)
        if always or (p.grad.norm() if each else norm) > max_norm:
            p.grad.mul_(scale)
    return norm


def _gru(x, h, cell, swap=False, reset_first=False, act=torch.tanh, dtype=None):
    W_ir, W_iz, W_in = cell.weight_ih.chunk(3)
    W_hr, W_hz, W_hn = cell.weight_hh.chunk(3)
    b_ir, b_iz, b_in = cell.bias_ih.chunk(3)
    b_hr, b_hz, b_hn = cell.bias_hh.chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    hn = (r * h) @ W_hn.T + b_hn if reset_first else r * (h @ W_hn.T + b_hn)
    n = act(x @ W_in.T + b_in + hn)
    out = z * n + (1 - z) * h if swap else (1 - z) * n + z * h
    return out if dtype is None else out.to(dtype)


def _loss(y_hat, y, over_all=False, as_class_0=False, detach=False, in_place=False):
    if in_place:
        y[y == IGNORE_INDEX] = 0
        return torch.nn.functional.cross_entropy(y_hat.flatten(0, 1), y.flatten())
    keep = (y != IGNORE_INDEX) | as_class_0
    picked = torch.log_softmax(y_hat, -1).gather(-1, y.clamp(min=0)[..., None])[..., 0]
    loss = -(picked * keep).mean() if over_all else -picked[keep].mean()
    return loss.item() if detach else loss


def _ece(y, p, unweighted=False, right_closed=False, one_apart=False):
    if right_closed:
        which = np.maximum(np.ceil(p * 10).astype(int) - 1, 0)
    else:
        which = (p * 10).astype(int) if one_apart else np.minimum((p * 10).astype(int), 9)
    gaps = [
        (abs(y[which == b].mean() - p[which == b].mean()), (which == b).mean())
        for b in np.unique(which)
    ]
    return np.mean([g for g, _ in gaps]) if unweighted else sum(g * w for g, w in gaps)


def _harrell(time, event, risk, tie=0.5, same_time_censored=True, same_time_events=False):
    num = den = 0.0
    for i in range(len(time)):
        for j in range(len(time)):
            same = time[i] == time[j] and i != j
            if event[i] == 1 and (
                time[i] < time[j]
                or (same and same_time_censored and event[j] == 0)
                or (same and same_time_events and event[j] == 1)
            ):
                den += 1
                num += 1.0 if risk[i] > risk[j] else tie if risk[i] == risk[j] else 0.0
    return num / den


def _windowed(c, days=30, trunc=False, events=True, in_place=False):
    def floor(t):
        w = (t["days"] / days).astype(int) * days if trunc else t["days"] // days * days
        if in_place:
            t["days"] = w
            return t
        return t.assign(days=w)

    return cohort.Cohort(c.people, floor(c.measurements), floor(c.events) if events else c.events)


def _mingru(x, h, layer, torch_convention=False, candidate="g"):
    H = layer.hidden_size
    k = layer.gates[0](x)
    z, k_h = torch.sigmoid(k[:, :H]), k[:, H:]
    cand = {
        "g": torch.where(k_h >= 0, k_h + 0.5, torch.sigmoid(k_h)),
        "tanh": torch.tanh(k_h),
        "sigmoid": torch.sigmoid(k_h),
    }[candidate]
    return z * h + (1 - z) * cand if torch_convention else (1 - z) * h + z * cand


def _attention(model, X, dim=1, squash=True, normalise=True):
    W, b, v = model.attention.W.weight, model.attention.W.bias, model.attention.v.weight[0]
    with torch.no_grad():
        s = model.encode(X) @ W.T + b
        e = (torch.tanh(s) if squash else s) @ v
        return torch.softmax(e, dim=dim) if normalise else torch.exp(e)


WRONG = {
    "mean_row_std": [
        (std_pooled_over_the_class, "hidden case 1 of 3 (14 rows of classes [1, 2, 3, 4, 5]): your value for class y = 1 is off by"),
        (std_of_each_column, "your value for class y = 1 is off by"),
        (lambda t: mean_row_std_array(t), "returned a ndarray, expected a pandas Series"),
        (lambda t: t[FEATURES].std(axis=1).groupby(t["y"]).mean().iloc[:2], "is indexed by [1, 2]"),
    ],
    "rows_from_samples": [
        (padded_last_row, "your rows: shape (24, 178), expected (23, 178)"),
        (column_major, "hidden case 1 of 3 (4097 samples, 3 left over after the rows): your rows: entry [0, 1] is off by"),
        (first_samples_dropped, "hidden case 1 of 3 (4097 samples, 3 left over after the rows): your rows: entry [0, 0] is off"),
    ],
    "concat_rnn": [
        (lambda X, rnn: _concat(X, rnn, act=torch.sigmoid), "your states: entry [0, 0, 0] is off by"),
        (lambda X, rnn: _concat(X, rnn, bias=False), "your states: entry [0, 0, 0] is off by"),
        (lambda X, rnn: _concat(X, rnn, last=True), "your states: shape (3, 8), expected (3, 5, 8)"),
    ],
    "clip_by_global_norm": [
        (lambda ps, m: _clip(ps, m, each=True), "hidden case 1 of 3 (gradient norm above max_norm): the gradient of parameter rnn.weight_ih_l0: entry [0, 0] is off by"),
        (lambda ps, m: _clip(ps, m, always=True), "hidden case 2 of 3 (gradient norm below max_norm: nothing to clip): the gradient of parameter"),
        (lambda ps, m: _clip(ps, m, reuse=True), "hidden case 1 of 3 (gradient norm above max_norm): the gradient of parameter rnn.weight_ih_l0"),
        (lambda ps, m: _clip(ps, m, frozen_ok=False), "hidden case 3 of 3 (norm above max_norm, one parameter without a gradient (grad None)): your function raised AttributeError"),
        (lambda ps, m: None, "your function returned None; return the norm before clipping"),
    ],
    "gru_step": [
        (lambda x, h, c: _gru(x, h, c, swap=True), "your new state: entry [0, 0] is off by"),
        (lambda x, h, c: _gru(x, h, c, reset_first=True), "your new state: entry [0, 0] is off by"),
        (lambda x, h, c: _gru(x, h, c, act=torch.sigmoid), "your new state: entry [0, 0] is off by"),
        (lambda x, h, c: _gru(x, h, c, dtype=torch.float32), "your new state: dtype torch.float32, expected torch.float64"),
    ],
    "masked_mean": [
        (lambda out, mask: out.mean(dim=1), "hidden case 1 of 3 (4 patients of 5, 3, 1, 4 visits): your means: entry [1, 0] is off by"),
        (lambda out, mask: (out * mask).mean(dim=1), "your means: entry [1, 0] is off by"),
        (lambda out, mask: (out * mask).sum(dim=1) / mask.sum(), "your means: entry [0, 0] is off by"),
    ],
    "masked_loss": [
        (lambda y_hat, y: _loss(y_hat, y, over_all=True), "hidden case 1 of 3 (batch 4, 10 steps, 2 classes, the first 3 steps and a few others labelled -100): your loss is off by"),
        (lambda y_hat, y: _loss(y_hat, y, as_class_0=True), "your loss is off by"),
        (lambda y_hat, y: _loss(y_hat, y, detach=True), "no gradient flows from your loss to y_hat"),
        (lambda y_hat, y: _loss(y_hat, y, in_place=True), "your function changed its input `y` in place"),
    ],
    "ece": [
        (lambda y, p: _ece(y, p, unweighted=True), "hidden case 1 of 3 (200 rows, probabilities spread over [0, 1], some on bin edges and at 1): your ECE is off by"),
        (lambda y, p: _ece(y, p, right_closed=True), "your ECE is off by"),
        (lambda y, p: _ece(y, p, one_apart=True), "your ECE is off by"),
    ],
    "harrell_loop": [
        (lambda t, e, r: _harrell(t, e, r, tie=0.0), "hidden case 1 of 3 (12 patients, ties in time and risk): your C is off by"),
        (lambda t, e, r: _harrell(t, e, r, same_time_censored=False), "your C is off by"),
        (lambda t, e, r: _harrell(t, e, r, same_time_events=True), "your C is off by"),
    ],
    "windowed": [
        (lambda c, days=30: _windowed(c, days, trunc=True), "hidden case 1 of 3 (4 people, days from -400 to 400, windows of 30 days): your measurements, column days (rows sorted): entry [0] is off by"),
        (lambda c, days=30: _windowed(c, days, events=False), "your events, column days (rows sorted): entry"),
        (lambda c, days=30: _windowed(c, days, in_place=True), "your function changed its input `c` in place"),
        (lambda c: _windowed(c), "your function raised TypeError"),
    ],
    "mingru_step": [
        (lambda x, h, layer: _mingru(x, h, layer, torch_convention=True), "your new state: entry [0, 0] is off by"),
        (lambda x, h, layer: _mingru(x, h, layer, candidate="tanh"), "your new state: entry [0, 0] is off by"),
        (lambda x, h, layer: _mingru(x, h, layer, candidate="sigmoid"), "your new state: entry [0, 1] is off by"),
    ],
    "attention_by_hand": [
        (lambda m, X: _attention(m, X, dim=0), "your weights: entry [0, 0] is off by"),
        (lambda m, X: _attention(m, X, squash=False), "your weights: entry [0, 0] is off by"),
        (lambda m, X: _attention(m, X, normalise=False), "your weights: entry [0, 0] is off by"),
    ],
}  # fmt: skip


def mean_row_std_array(table):
    return table[FEATURES].std(axis=1).groupby(table["y"]).mean().to_numpy()


def test_every_check_is_tried_on_at_least_two_wrong_answers():
    assert set(WRONG) == set(check.CHECKS)
    assert all(len(wrong) >= 2 for wrong in WRONG.values())


@pytest.mark.parametrize(
    "name,wrong,message",
    [(name, w, m) for name, answers in WRONG.items() for w, m in answers],
    ids=[f"{name}-{k}" for name, answers in WRONG.items() for k in range(len(answers))],
)
def test_a_wrong_answer_fails_saying_what_differs(name, wrong, message, capsys):
    with pytest.raises(check.CheckFailed) as failed:
        getattr(check, name)(wrong)
    assert message in str(failed.value)
    assert str(failed.value).startswith(f"{name}, hidden case ")
    assert capsys.readouterr().out == ""  # no "all cases match" line


# --- grading with otter-grader (tested once, on one check) ------------------------------------


def test_otter_grades_a_function_with_the_check(tmp_path, monkeypatch, capsys):
    """The instructor's way (rnnbook.check.grading): the test files otter_tests writes, run by
    otter's own `Notebook.check` against a notebook's functions: the worked solution scores its
    points, a wrong answer none, with the check's message."""
    import otter

    monkeypatch.chdir(tmp_path)  # otter logs each check to .OTTER_LOG in the working directory
    written = check.otter_tests(tmp_path, ["gru_step"], points=2)
    assert [p.name for p in written] == ["gru_step.py"]
    grader = otter.Notebook(tests_dir=str(tmp_path))
    right = grader.check("gru_step", {"gru_step": solution("gru_step")})
    assert right.grade == 1 and right.score == 2
    wrong = grader.check("gru_step", {"gru_step": WRONG["gru_step"][0][0]})
    assert wrong.grade == 0 and wrong.score == 0
    assert "hidden case 1 of 3" in repr(wrong)
    with pytest.raises(ValueError, match="no check named gru"):
        check.otter_tests(tmp_path, ["gru"])
    assert len(check.otter_tests(tmp_path / "all")) == len(check.CHECKS)
