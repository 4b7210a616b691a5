"""Page 1: the sigmoid explorer. Widgets -> engine.models.sigmoid -> engine.present.charts.sigmoid."""

import streamlit as st

from engine.models import sigmoid as sg
from engine.present.charts import sigmoid as charts
from engine.text import N_
from ui import cache, links
from ui import charts as ui_charts
from ui import course as course_ui
from ui.app import enter_page
from ui.i18n import _, n_, translator
from ui.text import signed

enter_page()

DEFAULTS = {
    "sig_w": 1.0,
    "sig_b": 0.0,
    "sig_x": (-5.0, 5.0),
    "sig_wfam": False,
    "sig_bfam": False,
    "sig_deriv": False,
    "sig_probe": 2.0,
    "sig_acts": ["sigmoid", "tanh", "ReLU"],
    "sig_stab": -1000.0,
}
LINK = [  # the settings a link to this page carries (ui.links): ?w=-2&b=3&x=-10&x=10 ...
    links.number("w", "sig_w", N_("W (weight: steepness)"), -5, 5, DEFAULTS["sig_w"], step=0.1),
    links.number("b", "sig_b", N_("b (bias: shift)"), -5, 5, DEFAULTS["sig_b"], step=0.1),
    links.span("x", "sig_x", N_("x range"), -20, 20, DEFAULTS["sig_x"], step=0.5),
    links.flag("wfam", "sig_wfam", N_("W = 0.5, 1, 2 (b = 0)")),
    links.flag("bfam", "sig_bfam", N_("b = 0.5, 1, 1.5 (W = 1)")),
    links.flag("deriv", "sig_deriv", N_("Derivative σ′(z)")),
    links.number("probe", "sig_probe", N_("Probe a point"), -1e6, 1e6, DEFAULTS["sig_probe"]),
    links.choices("acts", "sig_acts", N_("Functions"), list(sg.ACTIVATIONS), DEFAULTS["sig_acts"]),
    links.number("stab", "sig_stab", N_("x (try −1000 or 1000)"), -1e30, 1e30, DEFAULTS["sig_stab"]),
]
THRESHOLD = 0.5
KEEP = "session"  # widget values survive a switch to another page and back


def reset() -> None:
    for key, value in DEFAULTS.items():
        st.session_state[key] = value


for key, value in DEFAULTS.items():
    st.session_state.setdefault(key, value)
links.apply(LINK)
t = translator()

st.title(_("Sigmoid explorer"))
st.caption(
    _(
        "Logistic regression puts a straight line z = Wx + b through the sigmoid σ(z) = 1 / (1 + e^(−z)), "
        "which turns any number into a probability between 0 and 1. Move W and b and watch the S-curve."
    )
)
course_ui.caption("sigmoid")

controls, plot = st.columns([1, 2.6], gap="large")
with controls:
    w = st.slider(
        _("W (weight: steepness)"),
        -5.0,
        5.0,
        step=0.1,
        key="sig_w",
        persist_state=KEEP,
        help=_("Bigger |W| makes the S steeper; a negative W flips it; W = 0 flattens it to the constant σ(b)."),
    )
    b = st.slider(
        _("b (bias: shift)"),
        -5.0,
        5.0,
        step=0.1,
        key="sig_b",
        persist_state=KEEP,
        help=_("b slides the curve left and right: the midpoint σ = 0.5 sits at x* = −b/W."),
    )
    x_min, x_max = st.slider(
        _("x range"),
        -20.0,
        20.0,
        step=0.5,
        key="sig_x",
        persist_state=KEEP,
        help=_("The stretch of x drawn on the chart. The course notes use −5 to 5."),
    )
    st.markdown(_("**Overlays from the course notes**"))
    w_family = st.toggle(
        _("W = 0.5, 1, 2 (b = 0)"),
        key="sig_wfam",
        persist_state=KEEP,
        help=_("From the course notes: W changes how steep the S is."),
    )
    b_family = st.toggle(
        _("b = 0.5, 1, 1.5 (W = 1)"),
        key="sig_bfam",
        persist_state=KEEP,
        help=_("From the course notes: b moves the S sideways."),
    )
    show_deriv = st.toggle(
        _("Derivative σ′(z)"),
        key="sig_deriv",
        persist_state=KEEP,
        help=_(
            "σ′(z) = σ(z)(1 − σ(z)): how fast σ changes. It is largest, 0.25, at z = 0, and almost 0 on the flat "
            "ends: that is where learning with a sigmoid slows down."
        ),
    )
    st.button(_("Reset to W = 1, b = 0"), on_click=reset, key="sig_reset")

if x_min >= x_max:
    st.error(_("The x range is empty: drag the two ends of the x range slider apart."))
    links.stop()

decision = sg.decision_point(w, b)
with plot:
    st.latex(rf"\hat y = \sigma(Wx + b) = \frac{{1}}{{1 + e^{{-({w:.2f}\,x\;{signed(b)})}}}}")
    ui_charts.show(
        ("sigmoid", w, b, x_min, x_max, w_family, b_family, show_deriv),
        lambda: charts.sigmoid_chart(
            cache.sigmoid_explorer_frame(w, b, x_min, x_max, w_family, b_family, show_deriv),
            sg.class_regions(w, b, x_min, x_max, THRESHOLD),
            decision_x=decision,
            threshold=THRESHOLD,
            derivative_peak_x=decision if show_deriv else None,
            t=t,
        ),
        width="stretch",
    )
    if decision is None:
        level = sg.probe(0.0, w, b).p
        st.info(
            _(
                "W = 0: the curve is flat at σ(b) = {level:.4f}, so every x gets class {cls}. There is no decision "
                "point; give W a non-zero value to get an S-curve.",
                level=level,
                cls=int(level >= THRESHOLD),
            )
        )
    else:
        where = "" if x_min <= decision <= x_max else _(" (outside the x range shown: widen it to see it)")
        if w > 0:
            text = _(
                "**Decision point** x* = −b/W = {b:.2f} / {w:.2f} = **{x:.3f}**{where}. There z = 0 and σ = 0.5; "
                "points to the **right** of x* get class 1."
            )
        else:
            text = _(
                "**Decision point** x* = −b/W = {b:.2f} / {w:.2f} = **{x:.3f}**{where}. There z = 0 and σ = 0.5; "
                "points to the **left** of x* get class 1."
            )
        st.markdown(text.format(b=-b + 0.0, w=w, x=decision, where=where))
course_ui.sigmoid_chart(w, b)

st.divider()
st.subheader(_("Probe a point"))
st.caption(
    _("Type an x and follow it through the model: first the straight line, then the sigmoid, then the threshold.")
)
probe_cols = st.columns([1, 1, 1, 1])
with probe_cols[0]:
    x_probe = st.number_input("x", step=0.5, format="%.3f", key="sig_probe", persist_state=KEEP)
p = sg.probe(x_probe, w, b, THRESHOLD)
probe_cols[1].metric("z = Wx + b", f"{p.z:.4f}")
probe_cols[2].metric("σ(z)", f"{p.p:.4f}")
probe_cols[3].metric(_("predicted class"), str(p.predicted), help=_("Class 1 when σ(z) ≥ 0.5, else class 0."))
relation = r"\ge" if p.predicted else "<"
st.latex(
    rf"z = {w:.2f} \times {p.x:.3f} {signed(b)} = {p.z:.4f},\qquad "
    rf"\sigma(z) = {p.p:.4f} \;{relation}\; 0.5 \;\Rightarrow\; \text{{{_('class')} }} {p.predicted}"
)
course_ui.sigmoid_goals(w, b)

st.divider()
st.subheader(_("Compare activation functions"))
st.caption(_("The course asks you to look at other ways of bending a straight line. They are drawn against z itself."))
names = st.multiselect(
    _("Functions"), list(sg.ACTIVATIONS), key="sig_acts", persist_state=KEEP, placeholder=_("Choose functions")
)
if names:
    ui_charts.show(
        ("activations", tuple(names), x_min, x_max),
        lambda: charts.activations_chart(cache.activations_frame(tuple(names), x_min, x_max), t=t),
        width="stretch",
    )
    for name in names:
        st.markdown(f"- **{name}**: " + _(sg.ACTIVATION_NOTES[name], slope=sg.LEAKY_SLOPE))
else:
    st.info(_("Pick at least one function above to draw it."))

st.divider()
st.subheader(_("Why torch.sigmoid? Numerical stability"))
st.caption(
    _(
        "In float32, e^t overflows to infinity once t > {limit:.2f}. The textbook formula then breaks: its gradient "
        "turns into NaN and log σ into −∞, which poisons training. torch.sigmoid and F.logsigmoid are written to "
        "avoid the overflow.",
        limit=sg.FLOAT32_EXP_LIMIT,
    )
)
x_stab = st.number_input(
    _("x (try −1000 or 1000)"),
    min_value=-1e30,  # float32 itself ends near ±3.4e38: beyond that x is no longer a number to compare
    max_value=1e30,
    step=100.0,
    format="%.1f",
    key="sig_stab",
    persist_state=KEEP,
    help=_("Any x between −10³⁰ and 10³⁰."),
)
table = cache.stability_table(x_stab)
# Shown as text so that NaN and inf read as "nan" and "inf" (a number column shows NaN as empty).
st.dataframe(
    table.assign(
        note=table["note"].map(_),
        value=table["value"].map("{:.6g}".format),
        gradient=table["gradient"].map("{:.6g}".format),
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "expression": _("expression"),
        "note": _("what it is"),
        "value": _("value"),
        "gradient": _("gradient (autograd)"),
        "finite": st.column_config.CheckboxColumn(_("finite value and gradient")),
    },
)
broken = table.loc[~table["finite"], "expression"].tolist()
if broken:
    st.warning(
        n_(
            "At x = {x:g} in float32, {n} naive route gives inf or NaN: {routes}. torch.sigmoid and F.logsigmoid "
            "stay finite.",
            "At x = {x:g} in float32, {n} naive routes give inf or NaN: {routes}. torch.sigmoid and F.logsigmoid "
            "stay finite.",
            len(broken),
            x=x_stab,
            routes="; ".join(f"`{e}`" for e in broken),
        )
    )
else:
    st.success(
        _(
            "At x = {x:g} every route is finite. Push |x| above {limit:.0f} to see the naive ones break.",
            x=x_stab,
            limit=sg.FLOAT32_EXP_LIMIT,
        )
    )
