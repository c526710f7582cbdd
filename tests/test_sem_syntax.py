"""The lavaan-syntax front end of the SEM engine: parsing, the parameter table and its defaults.

The parameter tables are checked row by row against lavaan 0.6-14's ``parTable()`` for every
fixture of ``tests/reference/make_sem_reference.R`` (same rows in the same order, same free and
exogenous flags, same number of free parameters and degrees of freedom).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _reference import reference_json
from learning_direction.exceptions import ModelError
from learning_direction.models.sem import build_partable, parse_model
from learning_direction.models.sem.expressions import ExpressionError, parse_expression
from learning_direction.models.sem.partable import n_moments


def _fixtures():
    out = []
    for name in ("sem_single_level.json", "sem_two_level.json"):
        for key, fx in reference_json(name)["fits"].items():
            out.append(pytest.param(fx, id=key))
    return out


# ---------- parsing ----------


def test_operators_modifiers_comments_and_continuation_lines():
    pm = parse_model(
        """
        # a comment line
        f =~ NA*x1 + label("k")*x2 +
             start(0.7)*x3 ! another comment
        y1 + y2 ~ a*f + 0.5*z; y1 ~ 1
        y1 ~~ c(v1, v2)*y2
        ind := a*0.5
        a == 2*k
        """
    )
    got = [(s.lhs, s.op, s.rhs, s.line) for s in pm.statements]
    assert got == [
        ("f", "=~", "x1", 3),
        ("f", "=~", "x2", 3),
        ("f", "=~", "x3", 3),
        ("y1", "~", "f", 5),
        ("y2", "~", "f", 5),
        ("y1", "~", "z", 5),
        ("y2", "~", "z", 5),
        ("y1", "~1", "", 5),
        ("y1", "~~", "y2", 6),
    ]
    mods = [s.modifier for s in pm.statements]
    assert mods[0].free == (True,) and mods[0].fixed == ()
    assert mods[1].label == ("k",)
    assert mods[2].start == (0.7,)
    assert mods[3].label == ("a",) and mods[5].fixed == (0.5,)
    assert mods[8].label == ("v1", "v2")
    assert pm.definitions[0].name == "ind" and pm.definitions[0].line == 7
    assert pm.constraints[0].rhs.names == ("k",)


def test_level_blocks_accept_numbers_and_names():
    pm = parse_model("level: within\n y ~ x\nlevel: between\n y ~ w")
    assert [(s.lhs, s.rhs, s.level) for s in pm.statements] == [("y", "x", 1), ("y", "w", 2)]
    assert pm.n_levels == 2


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ("y x", "line 1 .* has no operator"),
        ("y ~ x\nf <~ a + b", "line 2 .*formative"),
        ("y ~ x\nu | t1", "line 2 .*thresholds"),
        ("y ~ x\na > 0", "inequality constraints"),
        ("a*y ~ x", "never on the left"),
        ("y ~ x:z", "interaction"),
        ("y ~ x +", "a term is missing"),
        ("y ~ 2a*x", "not a modifier"),
        ("y ~ c(a, 1)*x", "mixes labels and numbers"),
        ("f =~ 1", "only goes on the right of '~'"),
        ("y ~ a*x\n2b := a", "one word"),
        ("y ~ a*x\nd := a\nd := 2*a", "defined twice"),
        ("y ~ a*x\nd := a >= 1", "not plain arithmetic"),
        ("y ~ a*x\nd := system(a)", "not available"),
        ("level: 3\ny ~ x", "two levels"),
        ("level: 1\ny ~ x", "needs both"),
        ("y ~ x\nlevel: 1\ny ~ z\nlevel: 2\ny ~ w", "outside the blocks"),
        ("", "lavaan syntax in a string"),
        ("# only a comment", "lavaan syntax in a string|no parameters"),
    ],
)
def test_bad_syntax_names_the_line(model, match):
    with pytest.raises(ModelError, match=match):
        parse_model(model)


def test_expressions_evaluate_on_numbers_and_arrays():
    e = parse_expression("c1 + a.1*b^2 - exp(0)")
    assert e.names == ("c1", "a.1", "b")
    assert e.evaluate({"c1": 1.0, "a.1": 2.0, "b": 3.0}) == pytest.approx(18.0)
    draws = e.evaluate({"c1": np.zeros(3), "a.1": np.ones(3), "b": np.arange(3.0)})
    np.testing.assert_allclose(draws, [-1.0, 0.0, 3.0])
    assert parse_expression("2*a + b/4 - 1").is_linear()
    assert not parse_expression("a*b").is_linear()
    assert parse_expression(".5*a").names == ("a",)
    for bad in ("__import__('os')", "a if b else c", "'text'", "[a]", "a == b", "f(a)"):
        with pytest.raises(ExpressionError):
            parse_expression(bad)


# ---------- parameter table and defaults, against lavaan's parTable() ----------


@pytest.mark.parametrize("fx", _fixtures())
def test_partable_matches_lavaan(fx):
    table = build_partable(parse_model(fx["model"]))
    ref = pd.DataFrame(fx["partable"])
    ref = ref[ref["op"] != ":="].reset_index(drop=True)
    mine = table.to_frame()
    mine = mine[mine["op"] != ":="].reset_index(drop=True)
    assert list(zip(mine.lhs, mine.op, mine.rhs, strict=True)) == list(
        zip(ref.lhs, ref.op, ref.rhs, strict=True)
    )
    np.testing.assert_array_equal(mine["block"], ref["block"])
    np.testing.assert_array_equal(mine["user"], ref["user"])
    np.testing.assert_array_equal(mine["free"] > 0, ref["free"] > 0)
    np.testing.assert_array_equal(mine["exo"], ref["exo"])
    np.testing.assert_array_equal(mine["label"].fillna(""), ref["label"].fillna(""))
    # lavaan's npar counts equality constraints as removing a parameter
    n_eq = sum(len(v) - 1 for v in _label_sets(mine).values()) + len(table.constraints)
    assert table.npar - n_eq == fx["fit"]["npar"]
    assert n_moments(table) - (table.npar - n_eq) == fx["fit"]["df"]


def _label_sets(frame):
    out = {}
    for lab, free in zip(frame["label"], frame["free"], strict=True):
        if lab and free:
            out.setdefault(lab, []).append(free)
    return {k: v for k, v in out.items() if len(v) > 1}


def test_defaults_marker_variances_and_latent_covariances():
    t = build_partable(parse_model("f1 =~ a + b + c\nf2 =~ d + e + g")).to_frame()
    first = t[(t.op == "=~") & t.rhs.isin(["a", "d"])]
    assert (first.free == 0).all() and (first.ustart == 1).all()
    assert set(t[(t.op == "~~") & (t.lhs == t.rhs)].lhs) == {
        "a",
        "b",
        "c",
        "d",
        "e",
        "g",
        "f1",
        "f2",
    }
    assert ((t.op == "~~") & (t.lhs == "f1") & (t.rhs == "f2") & (t.free > 0)).sum() == 1


def test_single_indicator_factor_gets_zero_residual_variance():
    t = build_partable(parse_model("f =~ x\ny ~ f")).to_frame()
    row = t[(t.op == "~~") & (t.lhs == "x")]
    assert row.free.iloc[0] == 0 and row.ustart.iloc[0] == 0


def test_two_pure_outcomes_get_a_residual_covariance_but_a_mediator_does_not():
    t = build_partable(parse_model("m ~ x\ny1 ~ m\ny2 ~ m")).to_frame()
    pairs = {(a, b) for a, b, op in zip(t.lhs, t.rhs, t.op, strict=True) if op == "~~" and a != b}
    assert pairs == {("y1", "y2")}


def test_modifiers_override_defaults():
    t = build_partable(parse_model("f =~ NA*a + 0.8*b + c\nf ~~ 1*f")).to_frame()
    assert t.loc[t.rhs == "a", "free"].iloc[0] > 0
    assert t.loc[t.rhs == "b", "ustart"].iloc[0] == pytest.approx(0.8)
    assert t.loc[(t.lhs == "f") & (t.op == "~~"), "free"].iloc[0] == 0


def test_intercepts_switch_on_the_mean_structure():
    t = build_partable(parse_model("y ~ x\ny ~ 1")).to_frame()
    assert set(t[t.op == "~1"].lhs) == {"y", "x"}
    assert t.loc[(t.op == "~1") & (t.lhs == "x"), "exo"].iloc[0] == 1
    assert not build_partable(parse_model("y ~ x")).meanstructure


def test_syntax_variance_of_a_covariate_makes_it_random():
    table = build_partable(parse_model("y ~ x\nx ~~ x"))
    assert table.blocks[0].ov_x == ()
    assert any("treated as random" in n for n in table.notes)


def test_repeated_parameter_and_bad_group_vector_are_refused():
    with pytest.raises(ModelError, match=r"line 2: 'y ~ x' repeats the parameter of line 1"):
        build_partable(parse_model("y ~ x\ny ~ x"))
    with pytest.raises(ModelError, match="2 entries but the model has 1 group"):
        build_partable(parse_model("y ~ c(a, b)*x"))
    with pytest.raises(
        ModelError, match=r"line 2: .*'b', which is not a parameter label .*did you mean 'bb'"
    ):
        build_partable(parse_model("y ~ bb*x\nd := b*2"))
    with pytest.raises(ModelError, match="fixed at different values"):
        build_partable(parse_model("y ~ 1*a*x + 2*a*z"))
