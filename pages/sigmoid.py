"""Page 1: the sigmoid explorer. Widgets -> engine.sigmoid -> engine.charts."""

import streamlit as st

from engine import cache, charts
from engine import sigmoid as sg
from pages._common import enter_page

enter_page()

DEFAULTS = {
    "keep_sig_w": 1.0,
    "keep_sig_b": 0.0,
    "keep_sig_xrange": (-5.0, 5.0),
    "keep_sig_wfam": False,
    "keep_sig_bfam": False,
    "keep_sig_deriv": False,
    "keep_sig_probe_x": 2.0,
    "keep_sig_acts": ["sigmoid", "tanh", "ReLU"],
    "keep_sig_stab_x": -1000.0,
}
THRESHOLD = 0.5


def reset() -> None:
    for key, value in DEFAULTS.items():
        st.session_state[key] = value


def signed(value: float) -> str:
    """'+ 1.50' or '- 1.50' for writing b after Wx."""
    return f"- {abs(value):.2f}" if value < 0 else f"+ {value:.2f}"


for key, value in DEFAULTS.items():
    st.session_state.setdefault(key, value)

st.title("Sigmoid explorer")
st.caption(
    "Logistic regression puts a straight line z = Wx + b through the sigmoid σ(z) = 1 / (1 + e^(−z)), "
    "which turns any number into a probability between 0 and 1. Move W and b and watch the S-curve."
)

controls, plot = st.columns([1, 2.6], gap="large")
with controls:
    w = st.slider(
        "W (steepness)",
        -5.0,
        5.0,
        step=0.1,
        key="keep_sig_w",
        persist_state="session",
        help="Bigger |W| makes the S steeper; a negative W flips it; W = 0 flattens it to the constant σ(b).",
    )
    b = st.slider(
        "b (shift)",
        -5.0,
        5.0,
        step=0.1,
        key="keep_sig_b",
        persist_state="session",
        help="b slides the curve left and right: the midpoint σ = 0.5 sits at x* = −b/W.",
    )
    x_min, x_max = st.slider(
        "x range",
        -20.0,
        20.0,
        step=0.5,
        key="keep_sig_xrange",
        persist_state="session",
        help="The stretch of x drawn on the chart. The tutorials use −5 to 5.",
    )
    st.markdown("**Overlays from the course notes**")
    w_family = st.toggle(
        "W = 0.5, 1, 2 (b = 0)",
        key="keep_sig_wfam",
        persist_state="session",
        help="From the course notes: W changes how steep the S is.",
    )
    b_family = st.toggle(
        "b = 0.5, 1, 1.5 (W = 1)",
        key="keep_sig_bfam",
        persist_state="session",
        help="From the course notes: b moves the S sideways.",
    )
    show_deriv = st.toggle(
        "Derivative σ′(z)",
        key="keep_sig_deriv",
        persist_state="session",
        help="σ′(z) = σ(z)(1 − σ(z)): how fast σ changes. It is largest, 0.25, at z = 0, and almost 0 on the flat ends: "
        "that is where learning with a sigmoid slows down.",
    )
    st.button("Reset to W = 1, b = 0", on_click=reset, key="sig_reset")

if x_min >= x_max:
    st.error("The x range is empty: drag the two ends of the x range slider apart.")
    st.stop()

decision = sg.decision_point(w, b)
with plot:
    st.latex(rf"\hat y = \sigma(Wx + b) = \frac{{1}}{{1 + e^{{-({w:.2f}\,x\;{signed(b)})}}}}")
    lines = cache.sigmoid_explorer_frame(w, b, x_min, x_max, w_family, b_family, show_deriv)
    regions = sg.class_regions(w, b, x_min, x_max, THRESHOLD)
    chart = charts.sigmoid_chart(
        lines,
        regions,
        decision_x=decision,
        threshold=THRESHOLD,
        derivative_peak_x=decision if show_deriv else None,
    )
    st.altair_chart(chart, width="stretch")
    if decision is None:
        level = sg.probe(0.0, w, b).p
        cls = int(level >= THRESHOLD)
        st.info(
            f"W = 0: the curve is flat at σ(b) = {level:.4f}, so every x gets class {cls}. "
            "There is no decision point; give W a non-zero value to get an S-curve."
        )
    else:
        side = "right" if w > 0 else "left"
        where = "" if x_min <= decision <= x_max else " (outside the x range shown: widen it to see it)"
        st.markdown(
            f"**Decision point** x* = −b/W = {-b + 0.0:.2f} / {w:.2f} = **{decision:.3f}**{where}. "
            f"There z = 0 and σ = 0.5; points to the **{side}** of x* get class 1."
        )

st.divider()
st.subheader("Probe a point")
st.caption("Type an x and follow it through the model: first the straight line, then the sigmoid, then the threshold.")
probe_cols = st.columns([1, 1, 1, 1])
with probe_cols[0]:
    x_probe = st.number_input("x", step=0.5, format="%.3f", key="keep_sig_probe_x", persist_state="session")
p = sg.probe(x_probe, w, b, THRESHOLD)
probe_cols[1].metric("z = Wx + b", f"{p.z:.4f}")
probe_cols[2].metric("σ(z)", f"{p.p:.4f}")
probe_cols[3].metric("predicted class", str(p.predicted), help="Class 1 when σ(z) ≥ 0.5, else class 0.")
relation = r"\ge" if p.predicted else "<"
st.latex(
    rf"z = {w:.2f} \times {p.x:.3f} {signed(b)} = {p.z:.4f},\qquad "
    rf"\sigma(z) = {p.p:.4f} \;{relation}\; 0.5 \;\Rightarrow\; \text{{class }} {p.predicted}"
)

st.divider()
st.subheader("Compare activation functions")
st.caption("The course asks you to look at other ways of bending a straight line. They are drawn against z itself.")
names = st.multiselect("Functions", list(sg.ACTIVATIONS), key="keep_sig_acts", persist_state="session")
if names:
    st.altair_chart(
        charts.activations_chart(cache.activations_frame(tuple(names), x_min, x_max)),
        width="stretch",
    )
    for name in names:
        st.markdown(f"- **{name}**: {sg.ACTIVATION_NOTES[name]}")
else:
    st.info("Pick at least one function above to draw it.")

st.divider()
st.subheader("Why torch.sigmoid? Numerical stability")
st.caption(
    f"In float32, e^t overflows to infinity once t > {sg.FLOAT32_EXP_LIMIT:.2f}. "
    "The textbook formula then breaks: its gradient turns into NaN and log σ into −∞, which poisons training. "
    "torch.sigmoid and F.logsigmoid are written to avoid the overflow."
)
x_stab = st.number_input(
    "x (try −1000 or 1000)",
    min_value=-1e30,  # float32 itself ends near ±3.4e38: beyond that x is no longer a number to compare
    max_value=1e30,
    step=100.0,
    format="%.1f",
    key="keep_sig_stab_x",
    persist_state="session",
    help="Any x between −10³⁰ and 10³⁰.",
)
table = sg.stability_table(x_stab)
# Shown as text so that NaN and inf read as "nan" and "inf" (a number column shows NaN as empty).
st.dataframe(
    table.assign(value=table["value"].map("{:.6g}".format), gradient=table["gradient"].map("{:.6g}".format)).rename(
        columns={"gradient": "gradient (autograd)", "finite": "finite value and gradient"}
    ),
    hide_index=True,
    width="stretch",
)
broken = table.loc[~table["finite"], "expression"].tolist()
if broken:
    st.warning(
        f"At x = {x_stab:g} in float32, {len(broken)} naive route(s) give inf or NaN: "
        + "; ".join(f"`{e.split('  (')[0]}`" for e in broken)
        + ". torch.sigmoid and F.logsigmoid stay finite."
    )
else:
    st.success(
        f"At x = {x_stab:g} every route is finite. Push |x| above {sg.FLOAT32_EXP_LIMIT:.0f} to see the naive ones break."
    )
