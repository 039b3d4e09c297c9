"""Subscription churn simulator: a SaaS product's monthly customer snapshots.

Why simulated: answers to a public dataset can be looked up; a simulator gives every
candidate fresh data with a known data-generating process, so graders know the truth
(labels, drivers, drift) exactly. Two layers:

1. `simulate_panel` draws the clean latent table: customers, monthly snapshots,
   cancellations from a discrete-time logistic hazard, and the true label
   `churned_next_90d`.
2. `make_raw` turns it into what an ML engineer receives from the warehouse:
   strings with units, mixed date formats, missing values (at random and not at
   random), impossible values, duplicated rows, label noise and a column that leaks
   the future. `make_scoring_features` is the same mess as it arrives at scoring time
   (no labels, no duplicates, the leak column still empty).

`sample_snapshots` draws independent snapshots from the same feature model; the drift
stream in `drift.py` is built from it. The data card `datasets/churn/README.md`
documents every number used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

import numpy as np
import pandas as pd

PLANS = ("basic", "pro", "enterprise")
REGIONS = ("north_america", "emea", "apac", "latam")
REGION_MIX = (0.45, 0.30, 0.17, 0.08)
CHANNELS = ("organic", "paid_search", "referral", "partner", "sales_outbound")
CHANNEL_MIX_BY_PLAN = {
    "basic": (0.45, 0.35, 0.15, 0.05, 0.00),
    "pro": (0.30, 0.25, 0.20, 0.15, 0.10),
    "enterprise": (0.10, 0.05, 0.15, 0.25, 0.45),
}
LIST_PRICE_PER_SEAT = {"basic": 15.0, "pro": 45.0, "enterprise": 80.0}
MEDIAN_SEATS = {"basic": 1.5, "pro": 8.0, "enterprise": 60.0}
FREE_MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")
CANCELLATION_REASONS = (
    "too_expensive",
    "low_usage",
    "switched_competitor",
    "support_issues",
    "company_closed",
    "other",
)
CANCELLATION_REASON_MIX = (0.25, 0.25, 0.20, 0.15, 0.10, 0.05)

MINUTES_PER_SEAT = 300.0
ENGAGEMENT_AUTOCORRELATION = 0.85
PRICE_RISE_PER_YEAR = 0.03

FIRST_MONTH = date(2019, 1, 1)
FIRST_SNAPSHOT = date(2024, 1, 1)
LAST_SNAPSHOT = date(2025, 6, 1)
EXTRACT_DATE = date(2025, 10, 1)
LABEL_HORIZON_DAYS = 90

RAW_COLUMNS = (
    "customer_id",
    "snapshot_date",
    "signup_date",
    "plan",
    "region",
    "acquisition_channel",
    "company_domain",
    "seats",
    "tenure_months",
    "monthly_charges",
    "usage_minutes",
    "support_tickets",
    "last_login_date",
    "cancellation_reason",
    "churned_next_90d",
)
LABEL = "churned_next_90d"
HAZARD_FEATURES = (
    "usage_minutes",
    "support_tickets",
    "days_since_login",
    "tenure_months",
    "seats",
    "monthly_charges",
)


@dataclass(frozen=True)
class ChurnParams:
    """Parameters of one variant: the latent hazard model and the rates of each quirk.

    Hazard terms (logit of the monthly cancellation probability, natural units):
    usage_minutes x log(minutes per seat / 300), support_tickets x tickets,
    days_since_login x weeks since last login, tenure_months x log(1 + months),
    seats x log(seats), monthly_charges x log(price paid per seat / list price per seat).
    """

    intercept: float
    coefficients: Mapping[str, float]
    plan_effects: Mapping[str, float]
    channel_effects: Mapping[str, float]
    plan_mix: tuple[float, float, float]
    label_noise: float
    duplicate_share: float
    usage_missing_if_churning: float
    usage_missing_otherwise: float


CENTRAL_PARAMS = ChurnParams(
    intercept=-2.95,
    coefficients=MappingProxyType(
        {
            "usage_minutes": -0.9,
            "support_tickets": 0.3,
            "days_since_login": 0.25,
            "tenure_months": -0.45,
            "seats": -0.15,
            "monthly_charges": 0.8,
        }
    ),
    plan_effects=MappingProxyType({"basic": 0.35, "pro": 0.0, "enterprise": -0.5}),
    channel_effects=MappingProxyType(
        {"organic": 0.0, "paid_search": 0.35, "referral": -0.25, "partner": -0.15, "sales_outbound": -0.1}
    ),
    plan_mix=(0.55, 0.33, 0.12),
    label_noise=0.03,
    duplicate_share=0.015,
    usage_missing_if_churning=0.15,
    usage_missing_otherwise=0.03,
)


def draw_params(rng: np.random.Generator) -> ChurnParams:
    """Jitter the central parameters so candidates differ but keep the same character.

    Every effect keeps its sign and stays within +/-15 % of the central value; quirk
    rates stay inside the ranges the data card promises.
    """
    c = CENTRAL_PARAMS

    def jitter(effects: Mapping[str, float]) -> Mapping[str, float]:
        factors = rng.uniform(0.85, 1.15, size=len(effects))
        return MappingProxyType({k: float(v * f) for (k, v), f in zip(effects.items(), factors)})

    plan_mix = np.asarray(c.plan_mix) * rng.uniform(0.9, 1.1, size=3)
    return replace(
        c,
        intercept=float(c.intercept + rng.uniform(-0.1, 0.1)),
        coefficients=jitter(c.coefficients),
        plan_effects=jitter(c.plan_effects),
        channel_effects=jitter(c.channel_effects),
        plan_mix=tuple(float(p) for p in plan_mix / plan_mix.sum()),
        label_noise=float(rng.uniform(0.02, 0.04)),
        duplicate_share=float(rng.uniform(0.01, 0.02)),
        usage_missing_if_churning=float(rng.uniform(0.12, 0.18)),
        usage_missing_otherwise=float(rng.uniform(0.02, 0.04)),
    )


# ---------------------------------------------------------------- the feature model


def _draw_customers(
    rng: np.random.Generator, n: int, params: ChurnParams, plan_tilt: float = 0.0, paid_search_tilt: float = 0.0
) -> dict[str, np.ndarray]:
    """Static attributes of n customers. Tilts raise the log-odds of basic / paid_search."""
    plan_logits = np.log(params.plan_mix) + plan_tilt * np.array([1.0, 0.0, 0.0])
    plan = rng.choice(3, size=n, p=_softmax(plan_logits))
    channel = np.empty(n, dtype=np.int64)
    for code, name in enumerate(PLANS):
        rows = np.flatnonzero(plan == code)
        logits = np.log(np.asarray(CHANNEL_MIX_BY_PLAN[name]) + 1e-12) + paid_search_tilt * (np.arange(5) == 1)
        channel[rows] = rng.choice(5, size=rows.size, p=_softmax(logits))
    median_seats = np.array([MEDIAN_SEATS[p] for p in PLANS])[plan]
    seats = np.maximum(1, np.round(median_seats * np.exp(0.6 * rng.standard_normal(n)))).astype(np.int64)
    discount = np.where(
        plan == 2,
        rng.uniform(0.05, 0.30, n),
        np.where((plan == 1) & (rng.random(n) < 0.3), rng.uniform(0.0, 0.10, n), 0.0),
    )
    region = rng.choice(len(REGIONS), size=n, p=REGION_MIX)
    return {"plan": plan, "channel": channel, "seats": seats, "discount": discount, "region": region}


def _observe(
    rng: np.random.Generator,
    customers: Mapping[str, np.ndarray],
    engagement: np.ndarray,
    price_index: np.ndarray | float,
    shift: Mapping[str, float],
) -> dict[str, np.ndarray]:
    """Observed monthly behaviour, driven by the latent engagement (mean 0, sd 1).

    `engagement` has shape (customers,) or (customers, months); customer attributes
    broadcast along the month axis.

    `shift` moves a feature's own distribution (covariate shift): log-scale location for
    usage_minutes, monthly_charges and days_since_login, log-rate for support_tickets.
    """
    plan, seats = customers["plan"], customers["seats"]
    shape = np.shape(engagement)
    seats_b = seats.reshape(seats.shape + (1,) * (len(shape) - 1))
    plan_b = plan.reshape(seats_b.shape)
    log_usage = (
        np.log(seats_b * MINUTES_PER_SEAT)
        + 0.7 * engagement
        + 0.35 * rng.standard_normal(shape)
        + shift.get("usage_minutes", 0.0)
    )
    usage = np.round(np.exp(log_usage)).astype(np.int64)
    login_scale = np.exp(1.0 - 0.8 * engagement + shift.get("days_since_login", 0.0))
    days_since_login = np.minimum(np.floor(rng.exponential(1.0, shape) * login_scale), 120).astype(np.int64)
    ticket_rate = np.exp(-1.2 + 0.4 * np.log(seats_b) - 0.35 * engagement + shift.get("support_tickets", 0.0))
    tickets = rng.poisson(ticket_rate).astype(np.int64)
    list_price = np.array([LIST_PRICE_PER_SEAT[p] for p in PLANS])[plan_b]
    discount = customers["discount"].reshape(seats_b.shape)
    charges = seats_b * list_price * (1 - discount) * price_index * np.exp(shift.get("monthly_charges", 0.0))
    charges = np.broadcast_to(np.round(charges, 2), shape)
    return {
        "usage_minutes": usage,
        "days_since_login": days_since_login,
        "support_tickets": tickets,
        "monthly_charges": charges,
    }


def hazard_logit(
    params: ChurnParams,
    plan: np.ndarray,
    channel: np.ndarray,
    seats: np.ndarray,
    tenure_months: np.ndarray,
    monthly_charges: np.ndarray,
    usage_minutes: np.ndarray,
    support_tickets: np.ndarray,
    days_since_login: np.ndarray,
    coefficient_shift: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Logit of the monthly cancellation probability: the documented latent model.

    plan and channel are integer codes into PLANS and CHANNELS. `coefficient_shift`
    adds to coefficients (concept drift) without touching any input.
    """
    coef = dict(params.coefficients)
    for name, delta in (coefficient_shift or {}).items():
        coef[name] += delta
    plan_effect = np.array([params.plan_effects[p] for p in PLANS])[plan]
    channel_effect = np.array([params.channel_effects[c] for c in CHANNELS])[channel]
    list_price = np.array([LIST_PRICE_PER_SEAT[p] for p in PLANS])[plan]
    return (
        params.intercept
        + plan_effect
        + channel_effect
        + coef["usage_minutes"] * np.log(np.maximum(usage_minutes, 1) / seats / MINUTES_PER_SEAT)
        + coef["support_tickets"] * support_tickets
        + coef["days_since_login"] * days_since_login / 7.0
        + coef["tenure_months"] * np.log1p(tenure_months)
        + coef["seats"] * np.log(seats)
        + coef["monthly_charges"] * np.log(monthly_charges / seats / list_price)
    )


def _softmax(logits: np.ndarray) -> np.ndarray:
    weights = np.exp(logits - logits.max())
    return weights / weights.sum()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _price_index(when: np.ndarray | date) -> np.ndarray | float:
    """List prices rise 3 % every January from 2019."""
    years = np.asarray(pd.DatetimeIndex(np.atleast_1d(when)).year) - FIRST_MONTH.year
    index = (1 + PRICE_RISE_PER_YEAR) ** years
    return float(index[0]) if isinstance(when, date) else index


def _company_domains(rng: np.random.Generator, n: int) -> np.ndarray:
    """Invented company domains (so nothing maps to a real company)."""
    stems = (
        "acme",
        "nova",
        "blue",
        "pine",
        "quant",
        "atlas",
        "vertex",
        "lumen",
        "orbit",
        "cedar",
        "polar",
        "rapid",
        "silver",
        "bright",
        "north",
        "delta",
        "ember",
        "harbor",
        "iron",
        "jade",
        "kite",
        "maple",
        "onyx",
        "prism",
        "river",
        "summit",
        "terra",
        "umber",
        "vivid",
        "zen",
    )
    trades = (
        "labs",
        "logistics",
        "health",
        "foods",
        "capital",
        "systems",
        "media",
        "retail",
        "energy",
        "legal",
        "studio",
        "robotics",
        "travel",
        "fintech",
        "analytics",
        "clinic",
        "freight",
        "games",
        "software",
        "works",
        "bio",
        "motors",
        "homes",
        "apparel",
        "learning",
        "cloud",
        "partners",
        "insurance",
        "data",
        "farms",
    )
    tlds = (".com", ".io", ".co", ".de", ".co.uk", ".fr", ".com.br", ".in")
    picks = rng.choice(len(stems) * len(trades) * len(tlds), size=n, replace=False)
    stem, rest = np.divmod(picks, len(trades) * len(tlds))
    trade, tld = np.divmod(rest, len(tlds))
    return np.array([f"{stems[s]}-{trades[t]}{tlds[d]}" for s, t, d in zip(stem, trade, tld)])


# ---------------------------------------------------------------- layer 1: clean panel


def _month_start(index: np.ndarray) -> np.ndarray:
    return (np.datetime64(FIRST_MONTH, "M") + index).astype("datetime64[D]")


def simulate_panel(rng: np.random.Generator, params: ChurnParams, n_customers: int) -> pd.DataFrame:
    """Clean monthly snapshots (1st of each month, 2024-01 to 2025-06) with true labels.

    Customers sign up from 2019 on (more each year). Each month an active customer
    cancels with probability sigmoid(hazard_logit); engagement follows an AR(1) process,
    so a customer's usage, logins and tickets drift together. A snapshot's label is 1
    when the customer cancels within 90 days after the snapshot date. Only customers
    still active at some snapshot appear (as in any warehouse extract).
    """
    n_months = (EXTRACT_DATE.year - FIRST_MONTH.year) * 12 + EXTRACT_DATE.month - FIRST_MONTH.month
    first_snap = (FIRST_SNAPSHOT.year - FIRST_MONTH.year) * 12 + FIRST_SNAPSHOT.month - 1
    last_snap = (LAST_SNAPSHOT.year - FIRST_MONTH.year) * 12 + LAST_SNAPSHOT.month - 1
    pool = 3 * n_customers
    months = np.arange(n_months)
    month_starts = _month_start(months)

    customers = _draw_customers(rng, pool, params)
    signup_weights = np.exp(0.03 * np.arange(last_snap))
    signup_month = rng.choice(last_snap, size=pool, p=signup_weights / signup_weights.sum())
    days_in_month = (_month_start(signup_month + 1) - _month_start(signup_month)).astype(np.int64)
    signup_date = _month_start(signup_month) + np.floor(rng.random(pool) * days_in_month).astype("timedelta64[D]")

    innovations = rng.standard_normal((pool, n_months))
    engagement = np.empty((pool, n_months))
    engagement[:, 0] = innovations[:, 0]
    for m in range(1, n_months):
        engagement[:, m] = (
            ENGAGEMENT_AUTOCORRELATION * engagement[:, m - 1]
            + np.sqrt(1 - ENGAGEMENT_AUTOCORRELATION**2) * innovations[:, m]
        )
    observed = _observe(rng, customers, engagement, _price_index(month_starts)[None, :], {})
    days_since_signup = (month_starts[None, :] - signup_date[:, None]).astype(np.int64)
    observed["days_since_login"] = np.clip(observed["days_since_login"], 0, np.maximum(days_since_signup, 0))
    tenure = months[None, :] - signup_month[:, None]
    logit = hazard_logit(
        params,
        customers["plan"][:, None],
        customers["channel"][:, None],
        customers["seats"][:, None],
        np.maximum(tenure, 0),
        observed["monthly_charges"],
        observed["usage_minutes"],
        observed["support_tickets"],
        observed["days_since_login"],
    )
    cancels = (rng.random((pool, n_months)) < _sigmoid(logit)) & (tenure > 0)
    cancel_month = np.where(cancels.any(axis=1), cancels.argmax(axis=1), n_months)
    cancel_offset = 1 + np.floor(rng.random(pool) * 27).astype("timedelta64[D]")
    cancel_date = np.where(
        cancel_month < n_months,
        _month_start(np.minimum(cancel_month, n_months - 1)) + cancel_offset,
        np.datetime64("NaT"),
    )

    snapshot_months = months[first_snap : last_snap + 1]
    active = (tenure[:, first_snap : last_snap + 1] > 0) & (snapshot_months[None, :] <= cancel_month[:, None])
    eligible = np.flatnonzero(active.any(axis=1))
    if eligible.size < n_customers:
        raise RuntimeError(f"simulator produced only {eligible.size} active customers, needed {n_customers}")
    chosen = eligible[:n_customers]
    customer_numbers = rng.choice(1_000_000, size=n_customers, replace=False)

    row_customer, row_offset = np.nonzero(active[chosen])
    idx = chosen[row_customer]
    month = snapshot_months[row_offset]
    snapshot_date = month_starts[month]
    has_cancelled = ~np.isnat(cancel_date[idx])
    days_to_cancel = np.where(has_cancelled, (cancel_date[idx] - snapshot_date).astype(np.int64), -1)
    label = ((days_to_cancel > 0) & (days_to_cancel <= LABEL_HORIZON_DAYS)).astype(np.int64)

    domains = _company_domains(rng, 500)
    domain_weights = 1.0 / np.arange(1, domains.size + 1) ** 0.5
    free_mail = (customers["plan"] == 0) & (rng.random(pool) < 0.7)
    domain = np.where(
        free_mail,
        rng.choice(np.array(FREE_MAIL_DOMAINS), size=pool),
        rng.choice(domains, size=pool, p=domain_weights / domain_weights.sum()),
    )
    reason = np.where(
        cancel_month < n_months, rng.choice(np.array(CANCELLATION_REASONS), size=pool, p=CANCELLATION_REASON_MIX), None
    )

    return pd.DataFrame(
        {
            "customer_id": np.array([f"C-{k:06d}" for k in customer_numbers])[row_customer],
            "snapshot_date": snapshot_date,
            "signup_date": signup_date[idx],
            "plan": np.array(PLANS)[customers["plan"][idx]],
            "region": np.array(REGIONS)[customers["region"][idx]],
            "acquisition_channel": np.array(CHANNELS)[customers["channel"][idx]],
            "company_domain": domain[idx],
            "seats": customers["seats"][idx],
            "tenure_months": tenure[idx, month],
            "monthly_charges": observed["monthly_charges"][idx, month],
            "usage_minutes": observed["usage_minutes"][idx, month],
            "support_tickets": observed["support_tickets"][idx, month],
            "days_since_login": observed["days_since_login"][idx, month],
            "cancel_date": cancel_date[idx],
            "cancellation_reason": reason[idx],
            LABEL: label,
        }
    )


def split_customers(
    panel: pd.DataFrame, rng: np.random.Generator, holdout_share: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by customer, never by row: a customer's snapshots stay on one side."""
    ids = panel["customer_id"].unique()
    holdout_ids = rng.choice(ids, size=round(holdout_share * ids.size), replace=False)
    in_holdout = panel["customer_id"].isin(holdout_ids).to_numpy()
    return panel[~in_holdout].reset_index(drop=True), panel[in_holdout].reset_index(drop=True)


# ---------------------------------------------------------------- layer 2: the mess


def _format_money(values: np.ndarray, fancy: np.ndarray) -> list[str]:
    return [f"${v:,.2f}" if f else f"{v:.2f}" for v, f in zip(values, fancy)]


def _format_usage(minutes: np.ndarray, style: np.ndarray) -> list[str]:
    """style 0: "1234", 1: "1234 min", 2: "1.2k min" (thousands, rounded) when >= 1000."""
    out = []
    for v, s in zip(minutes, style):
        if s == 2 and v >= 1000:
            out.append(f"{v / 1000:.1f}k min")
        elif s >= 1:
            out.append(f"{v} min")
        else:
            out.append(str(v))
    return out


def _format_dates(days: np.ndarray, style: np.ndarray) -> list[str]:
    """style 0: 2024-03-17, 1: 17/03/2024, 2: Mar 17, 2024."""
    formats = ("%Y-%m-%d", "%d/%m/%Y", "%b %d, %Y")
    return [d.strftime(formats[s]) for d, s in zip(pd.DatetimeIndex(days).to_pydatetime(), style)]


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def _messy_features(clean: pd.DataFrame, rng: np.random.Generator, params: ChurnParams) -> pd.DataFrame:
    """Everything that goes wrong with the feature columns, at the documented rates."""
    n = len(clean)
    true_label = clean[LABEL].to_numpy()
    signup = clean["signup_date"].to_numpy()
    snapshot = clean["snapshot_date"].to_numpy()

    tenure = clean["tenure_months"].to_numpy().copy()
    negative_tenure = rng.random(n) < 0.004
    tenure[negative_tenure] = -tenure[negative_tenure]
    seats = clean["seats"].to_numpy().copy()
    seats[rng.random(n) < 0.003] = 0
    charges = clean["monthly_charges"].to_numpy().copy()
    stored_in_cents = rng.random(n) < 0.003
    charges[stored_in_cents] = charges[stored_in_cents] * 100

    region = clean["region"].to_numpy(dtype=object).copy()
    region[rng.random(n) < 0.02] = None
    channel = clean["acquisition_channel"].to_numpy(dtype=object).copy()
    before_crm_migration = signup < np.datetime64("2021-01-01")
    channel[rng.random(n) < np.where(before_crm_migration, 0.35, 0.01)] = None
    money = np.array(_format_money(charges, rng.random(n) < 0.25), dtype=object)
    money[rng.random(n) < 0.01] = None
    usage = np.array(
        _format_usage(clean["usage_minutes"].to_numpy(), rng.choice(3, size=n, p=(0.7, 0.15, 0.15))), dtype=object
    )
    usage_missing_rate = np.where(true_label == 1, params.usage_missing_if_churning, params.usage_missing_otherwise)
    usage[rng.random(n) < usage_missing_rate] = None
    last_login = snapshot - clean["days_since_login"].to_numpy().astype("timedelta64[D]")
    login_style = rng.choice(3, size=n, p=(0.94, 0.04, 0.02))

    return pd.DataFrame(
        {
            "customer_id": clean["customer_id"].to_numpy(),
            "snapshot_date": _iso(snapshot),
            "signup_date": _iso(signup),
            "plan": clean["plan"].to_numpy(),
            "region": region,
            "acquisition_channel": channel,
            "company_domain": clean["company_domain"].to_numpy(),
            "seats": seats,
            "tenure_months": tenure,
            "monthly_charges": money,
            "usage_minutes": usage,
            "support_tickets": clean["support_tickets"].to_numpy(),
            "last_login_date": _format_dates(last_login, login_style),
        }
    )


def make_raw(clean: pd.DataFrame, rng: np.random.Generator, params: ChurnParams) -> pd.DataFrame:
    """The training extract as the warehouse hands it over (see the card's quirks list).

    On top of the feature mess: `cancellation_reason` is back-filled from the CRM on
    every row of a customer who cancelled before the extract date (the future leaking
    into the past), labels are flipped at the label-noise rate, and an ETL re-run has
    duplicated some rows.
    """
    raw = _messy_features(clean, rng, params)
    raw["cancellation_reason"] = clean["cancellation_reason"].to_numpy()
    flipped = rng.random(len(raw)) < params.label_noise
    raw[LABEL] = np.where(flipped, 1 - clean[LABEL].to_numpy(), clean[LABEL].to_numpy())
    duplicated = rng.random(len(raw)) < params.duplicate_share
    raw = pd.concat([raw, raw[duplicated]], ignore_index=True)
    order = np.lexsort((rng.random(len(raw)), raw["snapshot_date"].to_numpy()))
    return raw.iloc[order].reset_index(drop=True)[list(RAW_COLUMNS)]


def make_scoring_features(clean: pd.DataFrame, rng: np.random.Generator, params: ChurnParams) -> pd.DataFrame:
    """Rows as they arrive at scoring time: same mess, no label, no duplicates, and
    `cancellation_reason` empty because nobody has cancelled yet."""
    features = _messy_features(clean, rng, params)
    features["cancellation_reason"] = None
    return features


def scoring_labels(clean: pd.DataFrame) -> pd.DataFrame:
    """The true labels of scoring rows (no noise), keyed by customer and snapshot date."""
    return pd.DataFrame(
        {
            "customer_id": clean["customer_id"].to_numpy(),
            "snapshot_date": _iso(clean["snapshot_date"].to_numpy()),
            LABEL: clean[LABEL].to_numpy(),
        }
    )


# ---------------------------------------------------------------- independent snapshots


def sample_snapshots(
    rng: np.random.Generator,
    n: int,
    params: ChurnParams,
    when: date,
    covariate_shift: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """n independent customer snapshots on `when`, clean and typed, without labels.

    Same feature model as the panel, with engagement at its stationary N(0, 1) and
    tenure ~ 1 + Exponential(mean 18 months), capped at the product's age (launched
    January 2019). `covariate_shift` maps a feature to a shift of its own distribution;
    plan and acquisition_channel shifts raise the log-odds of "basic" and "paid_search"
    (features drawn from them follow).
    """
    shift = dict(covariate_shift or {})
    customers = _draw_customers(
        rng, n, params, plan_tilt=shift.pop("plan", 0.0), paid_search_tilt=shift.pop("acquisition_channel", 0.0)
    )
    product_age_months = (when.year - FIRST_MONTH.year) * 12 + when.month - FIRST_MONTH.month
    tenure = np.minimum(1 + np.floor(rng.exponential(18.0, n)).astype(np.int64), product_age_months)
    observed = _observe(rng, customers, rng.standard_normal(n), _price_index(when), shift)
    return pd.DataFrame(
        {
            "plan": np.array(PLANS)[customers["plan"]],
            "region": np.array(REGIONS)[customers["region"]],
            "acquisition_channel": np.array(CHANNELS)[customers["channel"]],
            "seats": customers["seats"],
            "tenure_months": tenure,
            "monthly_charges": observed["monthly_charges"],
            "usage_minutes": observed["usage_minutes"],
            "support_tickets": observed["support_tickets"],
            "days_since_login": observed["days_since_login"],
        }
    )


def churn_probability(
    snapshots: pd.DataFrame, params: ChurnParams, coefficient_shift: Mapping[str, float] | None = None
) -> np.ndarray:
    """P(cancel within the next 3 months | snapshot), holding the snapshot's features fixed."""
    logit = hazard_logit(
        params,
        pd.Categorical(snapshots["plan"], categories=PLANS).codes.astype(np.int64),
        pd.Categorical(snapshots["acquisition_channel"], categories=CHANNELS).codes.astype(np.int64),
        snapshots["seats"].to_numpy(),
        snapshots["tenure_months"].to_numpy(),
        snapshots["monthly_charges"].to_numpy(),
        snapshots["usage_minutes"].to_numpy(),
        snapshots["support_tickets"].to_numpy(),
        snapshots["days_since_login"].to_numpy(),
        coefficient_shift,
    )
    return 1.0 - (1.0 - _sigmoid(logit)) ** 3
