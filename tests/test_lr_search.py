"""Where a learning-rate search landed, said from hand-made choices: the edge sentence
(:mod:`rnnbook.results.lr_search`) and the pages that use it (Chung, Jozefowicz, the grid)."""

from __future__ import annotations

import pytest
from made_records import made_record

from rnnbook.results.lr_search import at_edges, range_edges

CANDIDATES = (0.01, 0.1, 0.03, 0.3)  # unsorted on purpose: the edges are the min and the max


def test_the_edges_are_named_and_an_inside_choice_is_said_to_be_inside():
    said = range_edges({"GRU": 0.3, "LSTM": 0.03, "tanh": 0.01, "LRU": 0.3}, CANDIDATES)
    assert said == (
        "At an edge of the range searched (0.01 to 0.3): the largest candidate (0.3) for GRU, "
        "LRU; the smallest candidate (0.01) for tanh. The best rate there may lie beyond it."
    )
    assert at_edges({"GRU": 0.3, "LSTM": 0.03, "tanh": 0.01}, CANDIDATES) == {
        "largest": ["GRU"],
        "smallest": ["tanh"],
    }
    assert range_edges({"GRU": 0.1, "LSTM": 0.03}, CANDIDATES) == (
        "Every chosen rate lies inside the range searched (0.01 to 0.3)."
    )


def test_nothing_searched_says_nothing_and_a_rate_from_elsewhere_is_refused():
    assert range_edges({"GRU": 0.1}, (0.1,)) == "" and range_edges({}, CANDIDATES) == ""
    with pytest.raises(ValueError, match=r"\{'GRU': 0.2\} are not among the candidates"):
        range_edges({"GRU": 0.2}, CANDIDATES)


def test_the_grid_page_counts_the_jobs_at_an_edge_per_task():
    from rnnbook.experiments.comparison.report_search import lr_search_markdown

    def job(task, cell, lr, seed=0):
        config = {"task": task, "cell": cell, "lrs": [0.001, 0.003, 0.01]}
        return made_record("comparison", "grid", f"{task}-{cell}-s{seed}", config, {"lr": lr})

    records = [job("xml", "gru", 0.01, s) for s in range(3)]  # three seeds, one job
    records += [job("xml", "lstm", 0.003), job("jsb", "tanh", 0.001), job("jsb", "gru", 0.01)]
    text = lr_search_markdown(records)
    assert text.startswith(
        "Of the 4 jobs of `long` that searched, 2 chose the largest candidate and 1 the smallest."
    )
    xml = "- **XML**: At an edge of the range searched (0.001 to 0.01): the largest candidate"
    assert f"{xml} (0.01) for GRU." in text
    assert text.index("**JSB Chorales**") < text.index("**XML**")  # the grid's order of tasks
    assert lr_search_markdown([job("xml", "gru", 0.01, 0)][:0]) == ""


def test_chung_names_the_jobs_at_an_edge_of_their_candidates():
    from rnnbook.experiments.chung2014.report import lr_search_findings

    def job(dataset, model, lr, lrs=(0.01, 0.02, 0.04)):
        config = {"dataset": dataset, "model": model, "lrs": list(lrs)}
        return made_record("chung2014", "table2", f"{dataset}-{model}-s0", config, {"lr": lr})

    text = lr_search_findings([job("nottingham", "tanh", 0.01), job("nottingham", "gru", 0.02)])
    assert text == (
        "- Learning rates chosen on validation: GRU on Nottingham 0.02, tanh on Nottingham 0.01. "
        "At an edge of the range searched (0.01 to 0.04): the smallest candidate (0.01) for tanh "
        "on Nottingham. The best rate there may lie beyond it."
    )
    assert lr_search_findings([job("nottingham", "gru", 0.01, lrs=(0.01,))]) == ""
