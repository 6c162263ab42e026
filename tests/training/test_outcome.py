"""Did a run learn: the rule (core.training.outcome) and the sentence a finished run records."""

import json

from core.training.experiment import run_experiment
from core.training.outcome import learning_verdict, one_answer, run_verdict
from core.training.presets import preset
from core.training.runs import RunStore, load_run

CLASSES = ["square", "gaussian", "sine"]
ADAM = {"optimizer": "adam", "lr": 0.005, "loss": "cross_entropy"}


def rows(losses, accs):
    pairs = enumerate(zip(losses, accs))
    return [{"step": i, "loss": v, "test_accuracy": a} for i, (v, a) in pairs]


def test_a_run_that_learned_has_no_verdict():
    assert learning_verdict(rows([1.1, 0.4, 0.05], [0.4, 0.8, 0.99]), CLASSES, ADAM) is None


def test_chance_accuracy_and_one_answer_say_so_and_what_to_change():
    all_sine = [[0, 0, 167], [0, 0, 166], [0, 0, 167]]
    sgd = {"optimizer": "sgd", "lr": 10}
    text = learning_verdict(rows([9.0, 7.0, 6.0], [0.33, 0.33, 0.334]), CLASSES, sgd, all_sine)
    assert text.startswith("It did not learn")
    assert "33%" in text and "chance" in text
    assert '"sine" to nearly every image' in text
    assert "lower the learning rate (now 10, try 0.1)" in text


def test_a_flat_loss_far_from_done_is_not_learning():
    text = learning_verdict(rows([1.0986, 1.0990, 1.0980], [0.5, 0.6, 0.6]), CLASSES, ADAM)
    assert "loss stayed flat" in text and "more epochs" in text
    # slow but learning: the loss halved, accuracy above chance
    assert learning_verdict(rows([1.1, 0.8, 0.55], [0.4, 0.6, 0.7]), CLASSES, ADAM) is None


def test_one_answer_needs_most_answers_in_one_column():
    assert one_answer([[10, 0], [9, 1]]) == 0
    assert one_answer([[10, 0], [0, 10]]) is None
    assert one_answer(None) is None


def test_a_run_trained_with_a_huge_learning_rate_records_that_it_did_not_learn(tmp_path):
    base = dict(n_train=240, n_test=60, batch_size=24, epochs=1, eval_every=5)
    exp = preset("fast").with_changes(**base, lr=10.0)
    res = run_experiment(exp, RunStore(tmp_path))
    status = json.loads((res.run_dir / "status.json").read_text())
    assert status["status"] == "done" and status["learned"] is False
    assert "did not learn" in status["verdict"] and "lower the learning rate" in status["verdict"]
    assert status["verdict"] in status["message"] and status["verdict"] in res.message
    assert run_verdict(load_run(res.run_dir)) == status["verdict"]


def test_an_older_run_without_the_field_is_judged_from_its_files(tmp_path):
    run = load_run("examples/runs/example-fast")
    run.status = {k: v for k, v in run.status.items() if k not in ("learned", "verdict")}
    assert run_verdict(run) is None  # judged from its metrics and confusion: it learned
    run.status = run.status | {"confusion": [[0, 0, 167], [0, 0, 166], [0, 0, 167]]}
    run.metrics = rows([1.1, 1.1], [0.33, 0.33])
    assert "did not learn" in run_verdict(run)


def test_the_train_pages_job_progress_carries_the_verdict(tmp_path):
    import time

    from core.training.jobs import JobQueue

    base = dict(n_train=240, n_test=60, batch_size=24, epochs=1, eval_every=5)
    job = JobQueue().submit(preset("fast").with_changes(**base, lr=10.0), RunStore(tmp_path))
    deadline = time.monotonic() + 120
    while not job.progress().finished and time.monotonic() < deadline:
        time.sleep(0.1)
    p = job.progress()
    assert p.state == "done" and p.verdict and p.verdict.startswith("It did not learn")
    assert p.verdict in p.message
