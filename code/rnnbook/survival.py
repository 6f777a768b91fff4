"""Time to event: censoring, Kaplan-Meier, the metrics of survival analysis, and discrete-time
hazards (the recurrent model that predicts them is `rnnbook.visit_models.HazardGRU`).

What the time-to-event chapter needs, in numpy (fast enough to bootstrap) with the established
libraries as the tests' references (lifelines, scikit-survival):

1. `check_survival` validates times, events (or cause codes) and risks: one clear line each;
2. `kaplan_meier` (S(t) at the distinct event times), `kaplan_meier_table` (with Greenwood's
   log-log interval, as lifelines), `survival_at` (read a step function at any time),
   `cumulative_incidence` (Aalen-Johansen, one column per cause) and `censoring_survival` (the
   Kaplan-Meier curve of the censoring times, G(t), for inverse-probability weights);
3. `concordance_index` (Harrell's C), `uno_concordance` (Uno's IPCW C), `cumulative_dynamic_auc`
   and `brier_score` at a time t, each also as `pair_terms` / `brier_terms` whose sums with any
   weights per row give the metric: a bootstrap over patients is then a matrix product
   (`bootstrap_ratio`, `resample_weights`);
4. discrete time: `hazard_targets` (the interval of each visit's event or censoring, and its
   cause), `hazard_loss` (the censored likelihood), and `predicted_survival` /
   `predicted_incidence`, which read the hazard model's logits back as curves.

Times are in years in the chapter; nothing here depends on the unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from . import visits
from .data import IGNORE_INDEX
from .errors import RNNBookError
from .evaluate import group_weights

# The book's discrete-time grid: intervals of WIDTH years, NUM_INTERVALS of them (up to 10 years).
WIDTH, NUM_INTERVALS = 0.5, 20

# --- checking input ---------------------------------------------------------------------------------


def check_survival(
    time, event, risk=None, causes: tuple[int, ...] = (0, 1), name: str = "time"
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """`time` (float, >= 0, no NaN), `event` (integers in `causes`; 0 is censored) and, if given,
    `risk` (one finite number per time) as arrays. Any fault is one `RNNBookError` line naming
    the argument and the problem."""
    t = np.asarray(time, dtype=np.float64).reshape(-1)
    e_raw = np.asarray(event).reshape(-1)
    if len(t) == 0:
        raise RNNBookError(f"{name} is empty: survival needs at least one patient")
    if np.isnan(t).any():
        raise RNNBookError(f"{name} has {int(np.isnan(t).sum())} missing values (NaN)")
    if (t < 0).any():
        raise RNNBookError(f"{name} has {int((t < 0).sum())} negative values; times are >= 0")
    if len(e_raw) != len(t):
        raise RNNBookError(f"event has {len(e_raw)} values for {len(t)} times")
    e = e_raw.astype(np.float64)
    bad = ~np.isin(e, causes)
    if bad.any():
        allowed = ", ".join(str(c) for c in causes)
        raise RNNBookError(
            f"event has {int(bad.sum())} values outside {{{allowed}}} (first: {e_raw[bad][0]!r})"
        )
    r = None
    if risk is not None:
        r = np.asarray(risk, dtype=np.float64).reshape(-1)
        if len(r) != len(t):
            raise RNNBookError(f"risk has {len(r)} values for {len(t)} times")
        if not np.isfinite(r).all():
            raise RNNBookError(
                f"risk has {int((~np.isfinite(r)).sum())} values that are not finite"
            )
    return t, e.astype(np.int64), r


# --- Kaplan-Meier, Aalen-Johansen and the censoring distribution ------------------------------------


def _counts(time: np.ndarray, event: np.ndarray, num_causes: int = 1):
    """Distinct times, events of each cause `(times, num_causes)`, all leaving, at risk just before."""
    times, index = np.unique(time, return_inverse=True)
    leaving = np.bincount(index, minlength=len(times))
    events = np.stack(
        [
            np.bincount(index, weights=event == c, minlength=len(times))
            for c in range(1, num_causes + 1)
        ],
        axis=1,
    )  # (times, causes)
    at_risk = len(time) - np.r_[0, np.cumsum(leaving)[:-1]]
    return times, events, leaving, at_risk


def kaplan_meier(time, event) -> pd.Series:
    """The Kaplan-Meier estimate S(t) = prod over event times u <= t of (1 - d_u / n_u), where
    d_u patients have the event at u among the n_u still followed just before u (a patient
    censored at u counts as at risk at u). A Series indexed by the distinct event times."""
    t, e, _ = check_survival(time, event)
    times, events, _, at_risk = _counts(t, e)
    d = events[:, 0]
    keep = d > 0
    s = np.cumprod(1.0 - d[keep] / at_risk[keep])
    return pd.Series(s, index=pd.Index(times[keep], name="time"), name="survival")


def kaplan_meier_table(time, event, level: float = 0.95) -> pd.DataFrame:
    """`kaplan_meier` with its pointwise interval: Greenwood's variance on the log(-log S)
    scale, so that the interval stays within 0 and 1 (lifelines' default). Columns survival, lo,
    hi, at_risk; indexed by the distinct event times."""
    from scipy.stats import norm

    t, e, _ = check_survival(time, event)
    times, events, _, at_risk = _counts(t, e)
    d = events[:, 0]
    keep = d > 0
    n, d = at_risk[keep], d[keep]
    s = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(d / (n * (n - d)))  # Var(log S) / 1
        z = norm.ppf(0.5 + level / 2)
        half = z * np.sqrt(greenwood) / np.log(s)
        lo, hi = (
            np.exp(-np.exp(np.log(-np.log(s)) - half)),
            np.exp(-np.exp(np.log(-np.log(s)) + half)),
        )
    lo = np.where(s > 0, np.where(s < 1, lo, 1.0), 0.0)
    hi = np.where(s > 0, np.where(s < 1, hi, 1.0), 0.0)
    return pd.DataFrame(
        {"survival": s, "lo": lo, "hi": hi, "at_risk": n}, index=pd.Index(times[keep], name="time")
    )


def survival_at(curve: pd.Series | pd.DataFrame, t, before: float = 1.0):
    """A right-continuous step function (a Series or table indexed by time) read at times `t`:
    the value at the last index <= t, `before` where t precedes the first."""
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    idx = np.searchsorted(curve.index.to_numpy(), t, side="right") - 1
    values = np.asarray(curve, dtype=np.float64)
    shape = (len(t),) + values.shape[1:]
    out = np.where((idx >= 0).reshape((-1,) + (1,) * (values.ndim - 1)), values[np.maximum(idx, 0)],
                   np.full(shape, before))  # fmt: skip
    return out


def cumulative_incidence(time, cause, causes: tuple[int, ...] = (1, 2)) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence F_c(t) = sum over u <= t of S(u-) d_{c,u} / n_u of each
    cause c in `causes` (0 is censored), S the Kaplan-Meier curve of any event. One column per
    cause, indexed by the distinct times of any event; the columns and S add up to 1."""
    t, e, _ = check_survival(time, cause, causes=(0, *causes))
    k = max(causes)
    times, events, _, at_risk = _counts(t, e, k)
    any_event = events.sum(axis=1)
    keep = any_event > 0
    n, d, d_any = at_risk[keep], events[keep], any_event[keep]
    s = np.cumprod(1.0 - d_any / n)
    s_before = np.r_[1.0, s[:-1]]
    cif = np.cumsum(s_before[:, None] * d / n[:, None], axis=0)  # (times, causes)
    return pd.DataFrame(cif[:, [c - 1 for c in causes]], columns=list(causes),
                        index=pd.Index(times[keep], name="time"))  # fmt: skip


def censoring_survival(time, event) -> pd.Series:
    """G(t), the chance of being still followed (not censored) beyond t: the Kaplan-Meier curve of
    the censoring times, with an event at a tied time counted as happening first (as
    scikit-survival's `CensoringDistributionEstimator`). Indexed by the distinct times."""
    t, e, _ = check_survival(time, event)
    times, events, leaving, at_risk = _counts(t, e)
    censored = leaving - events[:, 0]
    n = at_risk - events[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(censored > 0, 1.0 - censored / np.maximum(n, 1), 1.0)
    return pd.Series(np.cumprod(factor), index=pd.Index(times, name="time"), name="G")


def _ipcw(time: np.ndarray, train_time, train_event) -> np.ndarray:
    """1 / G(time) with G from the training part (`censoring_survival`), G read at or before t."""
    G = survival_at(censoring_survival(train_time, train_event), time)
    if (G <= 0).any():
        raise RNNBookError(
            "the censoring survival G(t) is 0 at a test time: no weight exists there"
        )
    return 1.0 / G


# --- concordance, time-dependent AUC, Brier score ---------------------------------------------------


@dataclass
class PairTerms:
    """A metric as sum_ij w_i w_j num_ij / sum_ij w_i w_j den_ij, for any weights w per row: with
    w = 1 the metric itself, with the counts of a bootstrap resample its value there."""

    num: np.ndarray  # (n, n)
    den: np.ndarray  # (n, n)

    def value(self) -> float:
        return float(self.num.sum() / self.den.sum())


def _comparable(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    """(n, n): i had the event and is known to have it before j: t_i < t_j, or t_i == t_j with j
    censored (a patient censored at the time of another's event counts as having lived longer)."""
    ti, tj = t[:, None], t[None, :]
    return (e[:, None] == 1) & ((ti < tj) | ((ti == tj) & (e[None, :] == 0)))


def _concordant(r: np.ndarray) -> np.ndarray:
    """(n, n): 1 if risk_i > risk_j, 1/2 if tied, else 0."""
    return (r[:, None] > r[None, :]) + 0.5 * (r[:, None] == r[None, :])


def pair_terms(time, event, risk, weights_i=None) -> PairTerms:
    """`PairTerms` of a concordance: comparable pairs (`_comparable`), each weighted by
    `weights_i[i]` of its earlier patient (1 for Harrell's C), concordant if the earlier event
    has the higher risk (ties in risk 1/2)."""
    t, e, r = check_survival(time, event, risk)
    den = _comparable(t, e).astype(np.float64)
    if weights_i is not None:
        den = den * np.asarray(weights_i, dtype=np.float64)[:, None]
    return PairTerms(den * _concordant(r), den)


def concordance_index(time, event, risk) -> float:
    """Harrell's C: among comparable pairs (one patient's event known to come first), the share
    in which that patient has the higher risk; a tie in risk counts 1/2. 0.5 is chance, 1 is a
    perfect ordering. Equals lifelines' `concordance_index(time, -risk, event)`."""
    terms = pair_terms(time, event, risk)
    if terms.den.sum() == 0:
        raise RNNBookError(
            "no comparable pairs: concordance needs at least one event before another time"
        )
    return terms.value()


def uno_terms(time, event, risk, train_time, train_event, tau: float | None = None) -> PairTerms:
    """`PairTerms` of Uno's C: each comparable pair weighted by 1 / G(t_i)^2, G the censoring
    survival of the training part; pairs whose earlier time is at or after `tau` get weight 0."""
    t, e, r = check_survival(time, event, risk)
    w = np.where(e == 1, _ipcw(t, train_time, train_event) ** 2, 0.0)
    if tau is not None:
        w = np.where(t < tau, w, 0.0)
    return pair_terms(t, e, r, weights_i=w)


def uno_concordance(time, event, risk, train_time, train_event, tau: float | None = None) -> float:
    """Uno's C: Harrell's C with each pair weighted by the inverse chance 1 / G(t_i)^2 that its
    earlier event would have been seen, so that heavy censoring does not tilt the estimate
    towards the early events. Equals scikit-survival's `concordance_index_ipcw`."""
    return uno_terms(time, event, risk, train_time, train_event, tau).value()


def auc_terms(time, event, risk, t_star: float, train_time, train_event) -> PairTerms:
    """`PairTerms` of the cumulative/dynamic AUC at `t_star`: cases died by t_star (weight
    1 / G(t_i)), controls still event-free after it; concordant if the case has the higher risk."""
    t, e, r = check_survival(time, event, risk)
    case = (t <= t_star) & (e == 1)
    w = np.where(case, _ipcw(t, train_time, train_event), 0.0)
    control = (t > t_star).astype(np.float64)
    den = w[:, None] * control[None, :]
    return PairTerms(den * _concordant(r), den)


def cumulative_dynamic_auc(time, event, risk, t_star: float, train_time, train_event) -> float:
    """The AUC at time t_star: the chance that a patient who had the event by t_star has a higher
    risk than one still event-free after t_star, each case weighted by 1 / G(t_i) for the cases
    that censoring hid. Equals scikit-survival's `cumulative_dynamic_auc` at one time."""
    return auc_terms(time, event, risk, t_star, train_time, train_event).value()


def brier_terms(time, event, survival, t_star: float, train_time, train_event) -> np.ndarray:
    """Each row's term of the Brier score at `t_star` (`brier_score` is their mean): S_i^2 / G(t_i)
    if the event came by t_star, (1 - S_i)^2 / G(t_star) if still event-free, 0 if censored before."""
    t, e, s = check_survival(time, event, survival, name="time")
    case = (t <= t_star) & (e == 1)
    control = t > t_star
    g_t = 1.0 / _ipcw(np.array([t_star]), train_time, train_event)[0]
    w_case = np.where(case, _ipcw(t, train_time, train_event), 0.0)
    return s**2 * w_case + (1.0 - s) ** 2 * control / g_t


def brier_score(time, event, survival, t_star: float, train_time, train_event) -> float:
    """The Brier score at t_star: the mean squared difference between the predicted survival
    S_i(t_star) and the outcome (1 if event-free after t_star, 0 if not), with inverse-probability
    of censoring weights. 0 is perfect; predicting 0.5 for all scores 0.25. Equals
    scikit-survival's `brier_score`."""
    return float(brier_terms(time, event, survival, t_star, train_time, train_event).mean())


# --- bootstrap over patients ----------------------------------------------------------------------------


def resample_weights(groups, n_boot: int = 300, seed: int = 0) -> np.ndarray:
    """(n_boot, rows): how often each row is drawn when the *groups* (patients) are drawn with
    replacement, all of a patient's rows with them: the weights of a patient bootstrap, the draws
    of `evaluate.bootstrap_by_group` (`evaluate.group_weights`, with this module's default size)."""
    return group_weights(groups, n_boot, seed)


def bootstrap_ratio(terms: PairTerms, W: np.ndarray) -> np.ndarray:
    """The metric of `terms` under each row of weights `W` (n_boot, n): one matrix product each."""
    num = ((W @ terms.num) * W).sum(axis=1)  # (n_boot,)
    den = ((W @ terms.den) * W).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


# --- discrete time: targets, the censored likelihood, the model ----------------------------------------


def hazard_targets(
    remaining, cause, width: float = WIDTH, num_intervals: int = NUM_INTERVALS, causes=(0, 1, 2)
) -> np.ndarray:
    """(n, 2) integer targets of a discrete-time hazard model: the interval j = floor(r / width)
    in which each remaining time r ends, and its cause (0 censored, 1.. a cause).

    Interval j covers [j width, (j + 1) width). A patient censored in interval j has survived
    intervals 0..j-1 only (the interval of censoring is not counted as survived); whatever ends at
    or after `num_intervals` intervals (the horizon) is censored at the horizon, j = num_intervals,
    having survived every interval."""
    r, c, _ = check_survival(remaining, cause, causes=tuple(causes), name="remaining")
    j = np.floor(r / width).astype(np.int64)
    beyond = j >= num_intervals
    return np.c_[np.where(beyond, num_intervals, j), np.where(beyond, 0, c)]


def hazard_loss(y_hat: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, int, int]:
    """The censored negative log-likelihood of a discrete-time hazard model, per visit.

    `y_hat` (..., K, 1 + R) logits: at every interval k, a softmax over "no event" and the R
    causes gives the hazards lambda_{k,c} (the chance of cause c in interval k, having reached
    it). `y` (..., 2): interval j and cause c (`hazard_targets`); -100 marks padding. A visit
    adds -sum_{k<j} log(1 - sum_c lambda_{k,c}) for the intervals survived, and
    -log lambda_{j,c} if the event of cause c happened in interval j. Returns (mean over visits,
    0, visits counted), as the Trainer's `step_loss`.
    """
    K = y_hat.shape[-2]
    logp = torch.log_softmax(y_hat.reshape(-1, K, y_hat.shape[-1]), dim=-1)  # (visits, K, 1 + R)
    y = y.reshape(-1, 2)
    keep = y[:, 0] >= 0
    logp, j, c = logp[keep], y[keep, 0], y[keep, 1]
    survived = torch.arange(K, device=y_hat.device)[None, :] < j[:, None]  # (visits, K)
    log_lik = (logp[:, :, 0] * survived).sum(dim=1)
    event = c > 0
    at = torch.clamp(j, max=K - 1)
    log_lik = log_lik + torch.where(
        event, logp[torch.arange(len(j)), at, c], torch.zeros_like(log_lik)
    )
    counted = int(keep.sum())
    if counted == 0:
        return y_hat.sum() * 0.0, 0, 0
    return -log_lik.mean(), 0, counted


def predicted_survival(y_hat: torch.Tensor) -> np.ndarray:
    """S at the end of each interval, from logits (..., K, 1 + R): S_k = prod_{m<=k} (1 - sum_c
    lambda_{m,c}). Returns (..., K), float64."""
    logp = torch.log_softmax(torch.as_tensor(y_hat, dtype=torch.float64), dim=-1)
    return torch.exp(torch.cumsum(logp[..., 0], dim=-1)).numpy()


def predicted_incidence(y_hat: torch.Tensor) -> np.ndarray:
    """The cumulative incidence of each cause at the end of each interval, from logits
    (..., K, 1 + R): F_{k,c} = sum_{m<=k} S_{m-1} lambda_{m,c}. Returns (..., K, R), float64."""
    p = torch.softmax(torch.as_tensor(y_hat, dtype=torch.float64), dim=-1)
    s = torch.cumprod(p[..., 0], dim=-1)
    s_before = torch.cat([torch.ones_like(s[..., :1]), s[..., :-1]], dim=-1)
    return torch.cumsum(s_before[..., None] * p[..., 1:], dim=-2).numpy()


def survival_data(
    vd, causes: tuple[int, ...] = (2,), width: float = WIDTH, num_intervals: int = NUM_INTERVALS
):
    """The padded visits of `vd` (`visits.visit_data`, task "death-2y") with hazard targets in
    place of the two-year labels: y `(patients, max_visits, 2)` = (interval, cause) of the time
    from each visit to the end of the patient's follow-up (`hazard_targets`), -100 at padding.

    `causes` are the `status` codes that count as events, numbered 1, 2, ... in that order
    (default: death only, a transplant counted as censoring; (1, 2) for transplant and death as
    competing causes). Returns a `SeqData` whose classes name the causes."""
    import dataclasses

    t = vd.visits
    remaining = (t["futime"] - t["day"]).to_numpy() / visits.DAYS_PER_YEAR  # years from the visit
    status = t["status"].to_numpy()
    cause = np.zeros(len(t), dtype=np.int64)
    for k, code in enumerate(causes, start=1):
        cause[status == code] = k
    target = hazard_targets(remaining, cause, width, num_intervals, causes=range(len(causes) + 1))
    max_visits = vd.d.X_train.shape[1]
    parts = {}
    for part in ("train", "valid", "test"):
        keep = (t["part"] == part).to_numpy()
        y = visits.pad(target[keep].astype(np.float64), t["id"].to_numpy()[keep], vd.ids[part],
                       max_visits, float(IGNORE_INDEX))  # fmt: skip
        parts[f"y_{part}"] = torch.tensor(y, dtype=torch.long)  # (patients, max_visits, 2)
    names = {code: visits.STATUS[code] for code in (1, 2)}
    return dataclasses.replace(
        vd.d, task="hazard", classes=tuple(names[c] for c in causes), **parts
    )
