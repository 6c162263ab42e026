import numpy as np
import pytest
import torch
from torch import nn

from core.errors import LabError
from core.interpret import diagnostics as A
from core.interpret.snapshot import misclassified
from core.nn.swap import conv1_swapped
from core.training.metrics import confusion

K = 25
H, V, UP, DOWN = range(4)  # indices into A.ORIENTATIONS


def _line(kind: str, size: int = K) -> np.ndarray:
    """A thin line through the middle, a trace fragment, on zeros."""
    w = np.zeros((size, size))
    i, r = np.arange(size), size // 2
    if kind == "horizontal":
        w[r, :] = 1
    elif kind == "vertical":
        w[:, r] = 1
    elif kind == "/":  # rises to the right as drawn (row 0 at the top)
        w[size - 1 - i, i] = 1
    else:
        w[i, i] = 1
    return w


def _random(n: int, seed: int = 0, size: int = K) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.04, (n, size, size))


def test_orientation_names_the_direction_of_the_stripes():
    assert A.ORIENTATIONS == ("horizontal", "vertical", "diagonal /", "diagonal \\")
    for kind, want in (("horizontal", H), ("vertical", V), ("/", UP), ("\\", DOWN)):
        share = A.orientation_energy(_line(kind))
        assert share.shape == (4,) and share.sum() == pytest.approx(1.0)
        assert share.argmax() == want and share[want] > 0.5, (kind, share)


def test_orientation_of_edges_and_of_a_line_on_top_of_init_noise():
    x = np.arange(K) - K // 2
    edge = np.tanh(x / 2.0)[:, None] * np.ones((1, K))  # dark above, bright below
    assert A.orientation_energy(edge).argmax() == H
    assert A.orientation_energy(edge.T).argmax() == V
    noisy = 0.5 * _line("/") + _random(1, seed=7)[0] * 5
    assert A.orientation_energy(noisy).argmax() == UP


def test_random_kernels_score_chance_on_every_orientation():
    share = A.orientation_energy(_random(300))
    assert share.shape == (300, 4)
    np.testing.assert_allclose(share.mean(axis=0), 0.25, atol=0.02)


def test_dominant_frequency_of_gratings():
    y, x = np.mgrid[0:K, 0:K]
    assert A.dominant_frequency(np.cos(2 * np.pi * 3 * x / K)) == pytest.approx(3.0)
    assert A.dominant_frequency(np.sin(2 * np.pi * 6 * y / K)) == pytest.approx(6.0)
    assert A.dominant_frequency(np.cos(2 * np.pi * (3 * x + 4 * y) / K)) == pytest.approx(5.0)
    assert A.mean_frequency(np.cos(2 * np.pi * 3 * x / K)) == pytest.approx(3.0, abs=0.6)
    assert A.dominant_frequency(np.zeros((K, K))) == 0.0


def test_structured_kernels_score_far_above_random_ones():
    y, x = np.mgrid[0:K, 0:K] - K // 2
    blob = np.exp(-(x**2 + y**2) / (2 * 4.0**2))
    edge = np.tanh((x + y) / 3.0)
    for w in (blob, edge, _line("horizontal"), _line("/")):
        assert A.structure_score(w) > 10
    rnd = A.structure_score(_random(400, seed=3))
    assert abs(rnd.mean()) < 0.3 and 0.7 < rnd.std() < 1.3
    assert (rnd < A.STRUCTURE_THRESHOLD).mean() > 0.95
    assert A.structure_score(blob * 100) == pytest.approx(A.structure_score(blob))  # scale-free
    assert np.isnan(A.structure_score(np.zeros((K, K))))
    assert "random" in A.STRUCTURE_EXPLANATION and A.STRUCTURE_EXPLANATION.endswith(".")


def _frames(n_frames=4, k=3, seed=0):
    """Snapshots (F, k, 1, K, K): random init drifting towards a horizontal line."""
    w0 = _random(k, seed)
    steps = np.linspace(0, 1, n_frames)[:, None, None, None]
    return (w0[None] + steps * 0.3 * _line("horizontal")[None, None])[:, :, None]


def test_kernel_diagnostics_shapes_and_changes():
    wf = _frames()
    diag = A.kernel_diagnostics(wf, steps=np.array([0, 10, 20, 30]))
    for key in ("norm", "change_init", "rel_change_init", "change_prev", "dominant_freq"):
        assert diag[key].shape == (4, 3), key
    assert diag["orientation"].shape == (4, 3, 4)
    assert np.allclose(diag["change_init"][0], 0) and np.allclose(diag["change_prev"][0], 0)
    assert (np.diff(diag["change_init"], axis=0) > 0).all()
    want = np.linalg.norm((wf[3] - wf[0]).reshape(3, -1), axis=1)
    assert np.allclose(diag["change_init"][3], want)
    assert np.allclose(diag["rel_change_init"][3], want / diag["norm"][0])
    assert np.isnan(diag["structure_change"][0]).all()
    # the learned part is a pure line, far more structured than the noisy weights
    assert (diag["structure_change"][1:] > 10).all()
    assert (diag["structure"][-1] > diag["structure"][0]).all()
    assert (diag["orientation"][-1, :, H] > 0.5).all()
    assert not diag["dead"].any()
    rows = A.diagnostics_records(diag)
    assert {"step", "kernel", "measure", "value"} <= set(rows[0])
    assert any(r["measure"] == "orientation horizontal" for r in rows)


def test_dead_kernel_flags():
    wf = _frames(n_frames=3, k=4)
    wf[:, 1] = 0.0  # all-zero kernel: collapsed (and never changed)
    wf[:, 2] = wf[0, 2]  # frozen since initialisation
    wf[:, 3] = -np.abs(wf[:, 3])  # all negative weights ...
    bias = np.zeros((3, 4))
    bias[:, 3] = -0.1  # ... and a negative bias: no {0,1} image can switch it on
    diag = A.kernel_diagnostics(wf, bias_frames=bias)
    assert diag["collapsed"][:, 1].all()
    assert diag["frozen"][1:, 2].all() and not diag["frozen"][0].any()
    assert diag["relu_dead"][:, 3].all()
    assert diag["dead"][:, 1].all() and diag["dead"][1:, 2].all() and diag["dead"][:, 3].all()
    assert not diag["dead"][:, 0].any()
    assert np.array_equal(diag["bias"], bias)


def test_match_frames_pairs_nearest_steps():
    a, b = np.array([0, 10, 20, 30]), np.array([0, 12, 19, 100])
    assert A.match_frames(a, b) == [(0, 0), (1, 1), (2, 2), (3, 2)]
    assert A.match_frames(a, b, max_gap=5) == [(0, 0), (1, 1), (2, 2)]
    assert A.match_frames(a, np.array([19, 0, 12])) == [(0, 1), (1, 2), (2, 0), (3, 0)]
    assert A.match_frames(a, np.array([7])) == [(0, 0), (1, 0), (2, 0), (3, 0)]
    assert A.match_frames([], b) == []


class _Means(nn.Module):
    """Output i = mean over the image of ReLU(w_i * x + b_i): conv1 is 1 x 1, the head is fixed."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 1)
        self.dropout = nn.Dropout(0.5)
        with torch.no_grad():
            self.conv1.weight.copy_(torch.tensor([1.0, 2.0, 3.0]).reshape(3, 1, 1, 1))
            self.conv1.bias.zero_()

    def forward(self, x):
        return self.dropout(torch.relu(self.conv1(x))).mean(dim=(2, 3))


def _data():
    x = torch.zeros(6, 1, 4, 4)
    x[2:, 0, 0, 0] = 1.0  # blank images tie (argmax 0), any ink makes output 2 largest
    return x, torch.tensor([0, 1, 2, 2, 1, 0])


def _answers(model, x, weights=None, bias=None) -> np.ndarray:
    with conv1_swapped(model, weights, bias), torch.no_grad():
        return torch.softmax(model(x), dim=1).numpy()


def test_swapped_kernels_change_the_answers_and_come_back():
    model, (x, y) = _Means(), _data()
    model.train()
    cm = confusion(_answers(model, x).argmax(1), y.numpy(), 3)
    assert cm.dtype == np.int64
    assert cm.tolist() == [[1, 0, 1], [1, 0, 1], [0, 0, 2]]
    reversed_w = torch.tensor([3.0, 2.0, 1.0]).reshape(3, 1, 1, 1)
    cm = confusion(_answers(model, x, reversed_w, torch.zeros(3)).argmax(1), y.numpy(), 3)
    assert cm.tolist() == [[2, 0, 0], [2, 0, 0], [2, 0, 0]]
    assert model.conv1.weight.flatten().tolist() == [1.0, 2.0, 3.0]  # restored
    assert model.training and model.dropout.training  # modes restored


def test_conv1_is_restored_after_an_error():
    model, (x, _) = _Means(), _data()
    before = model.conv1.weight.detach().clone()
    with pytest.raises(LabError, match="do not fit"):
        _answers(model, x, weights=np.zeros((5, 1, 1, 1)))
    with pytest.raises(RuntimeError):  # three input channels: conv1 fails inside the swap
        _answers(model, torch.zeros(2, 3, 4, 4), weights=-before)
    assert torch.equal(model.conv1.weight, before)
    with conv1_swapped(model, weights=before * 0, bias=torch.ones(3)):
        assert model.conv1.weight.abs().sum() == 0 and not model.training
    assert torch.equal(model.conv1.weight, before) and model.conv1.bias.abs().sum() == 0


def test_misclassified_lists_indices_with_probabilities():
    model, (x, y) = _Means(), _data()
    probs = _answers(model, x)
    wrong = misclassified(probs, y, true_cls=1, pred_cls=2)
    assert [i for i, _ in wrong] == [4] and wrong[0][1].shape == (3,)
    assert wrong[0][1].sum() == pytest.approx(1.0) and wrong[0][1].argmax() == 2
    right = misclassified(probs, y, true_cls=2, pred_cls=2)
    assert sorted(i for i, _ in right) == [2, 3]
    assert misclassified(probs, y, 0, 1) == []


def _init_kernels(n: int, seed: int = 0, size: int = K) -> np.ndarray:
    """(n, 1, K, K) kernels drawn as PyTorch initialises conv1: uniform within +-1/K."""
    bound = 1.0 / size  # 1 / sqrt(fan_in) with fan_in = K * K
    return np.random.default_rng(seed).uniform(-bound, bound, (n, 1, size, size))


def test_a_horizontal_line_kernel_scores_horizontal_and_structured():
    """The issue's check: a horizontal-line kernel reads horizontal and far from random."""
    line = _line("horizontal")[None, None] / K  # (1, 1, K, K) at the init scale
    share = A.orientation_energy(line)[0]
    assert share.argmax() == H and share[H] > 0.5
    assert A.structure_score(line)[0] > 10 * A.STRUCTURE_THRESHOLD
    # A learned line on top of the random start still reads horizontal and structured.
    noisy = line + 0.5 * _init_kernels(1, seed=4)
    assert A.orientation_energy(noisy)[0].argmax() == H
    assert A.structure_score(noisy)[0] > A.STRUCTURE_THRESHOLD


def test_random_kernels_of_the_init_size_and_scale_score_near_chance():
    """The issue's other check: random kernels (as initialised) score like chance."""
    w = _init_kernels(500, seed=11)
    share = A.orientation_energy(w)  # (500, 4)
    np.testing.assert_allclose(share.mean(axis=0), 0.25, atol=0.02)
    assert (share.max(axis=1) < 0.5).mean() > 0.95  # hardly any single one looks oriented
    score = A.structure_score(w)
    assert abs(np.mean(score)) < 0.3
    assert (np.abs(score) <= A.STRUCTURE_THRESHOLD).mean() > 0.95
    # Over training steps that never moved them: random at every snapshot, none flagged dead
    # by their weights, and nothing learned to score.
    frames = np.stack([w[:5]] * 3)  # (F, k, 1, K, K)
    diag = A.kernel_diagnostics(frames, bias_frames=np.full((3, 5), 0.01))
    assert (np.abs(diag["structure"]) <= A.STRUCTURE_THRESHOLD).all()
    assert diag["frozen"][1:].all()  # unchanged since initialisation: flagged frozen
