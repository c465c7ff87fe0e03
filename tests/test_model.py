"""The hierarchical target: teacher geometry, latent covariance and target variance."""

import dataclasses

import numpy as np
import pytest

from helpers import HierarchicalModel, LabelScaler, InvalidParameterError


def test_teacher_frame_orthonormal_and_weights_normalised():
    model = HierarchicalModel(D=300, p=30, gamma=1.0, seed=3)
    frame = model.directions
    np.testing.assert_allclose(frame.T @ frame, np.eye(30), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(model.weights), 1.0)
    magnitudes = np.abs(model.weights)
    assert np.all(np.diff(magnitudes) < 0)
    np.testing.assert_allclose(magnitudes[0] / magnitudes[3], 4.0)


def test_teacher_shared_across_gamma():
    model = HierarchicalModel(D=100, p=10, gamma=1.0, seed=5)
    other = dataclasses.replace(model, gamma=0.3)
    np.testing.assert_array_equal(model.directions, other.directions)
    np.testing.assert_array_equal(np.sign(model.weights), np.sign(other.weights))


def test_direction_matrices_match_frame():
    model = HierarchicalModel(d=8, p=4, mode="true")
    matrices = model.direction_matrices
    np.testing.assert_allclose(np.linalg.norm(matrices, axis=(1, 2)), 1.0)
    gram = np.einsum("kij,lij->kl", matrices, matrices)
    np.testing.assert_allclose(gram, np.eye(4), atol=1e-12)


def test_p_from_eps():
    model = HierarchicalModel(d=30, eps=0.5, mode="true")
    assert model.n_latent == round(30**0.5)
    assert model.feature_dim == 465


@pytest.mark.parametrize("mode, size", [("gaussian_equivalent", 200_000), ("true", 100_000)])
def test_latent_covariance_identity(mode, size):
    model = (HierarchicalModel(D=50, p=5, seed=1) if mode == "gaussian_equivalent"
             else HierarchicalModel(d=10, p=5, mode="true", seed=1))
    latents = model.sample(size, seed=2).latents
    covariance = latents.T @ latents / size
    # Entries of an empirical covariance have standard error about sqrt(E[h_i^2 h_j^2] / n),
    # at most ~0.006 here (kurtosis of the true-model latents at d = 10 is below 4), so
    # 0.03 is five standard errors.
    np.testing.assert_allclose(covariance, np.eye(5), atol=0.03)
    np.testing.assert_allclose(latents.mean(axis=0), 0.0, atol=0.02)


def test_clean_target_variance_one_gaussian_equivalent():
    model = HierarchicalModel(D=100, p=20, gamma=0.7, seed=4)
    clean = model.sample(200_000, seed=0).clean_labels
    # Var(y^2) is at most ~10 here, so the standard error of the variance is below 0.008.
    assert abs(clean.var() - 1.0) < 0.03
    assert abs(clean.mean()) < 0.01


def test_clean_target_variance_larger_in_true_model():
    model = HierarchicalModel(d=20, p=5, gamma=1.0, mode="true", seed=4)
    clean = model.sample(100_000, seed=0).clean_labels
    # Non-Gaussian latents (excess kurtosis of order 1/d) inflate E[He_2(h)^2] above 1.
    assert clean.var() > 1.05


def test_noise_and_standardisation():
    model = HierarchicalModel(D=50, p=5, noise_std=0.5, seed=0)
    sample = model.sample(50_000, seed=1)
    residual = sample.labels - sample.clean_labels
    assert abs(residual.std() - 0.5) < 0.01
    scaler = LabelScaler.fit(sample.labels)
    standardised = scaler.transform(sample.labels)
    assert abs(standardised.mean()) < 1e-12
    assert abs(standardised.std() - 1.0) < 1e-12


def test_sampling_reproducible_and_head_nested():
    model = HierarchicalModel(D=40, p=4)
    first = model.sample(100, seed=7)
    again = model.sample(100, seed=7)
    np.testing.assert_array_equal(first.inputs, again.inputs)
    head = first.head(30)
    np.testing.assert_array_equal(head.labels, first.labels[:30])
    with pytest.raises(InvalidParameterError, match="holds only 100"):
        first.head(101)


def test_relabel_changes_only_labels():
    model = HierarchicalModel(D=40, p=4, gamma=1.0)
    sample = model.sample(500, seed=0)
    other = dataclasses.replace(model, gamma=0.0).relabel(sample)
    np.testing.assert_array_equal(other.inputs, sample.inputs)
    assert not np.allclose(other.labels, sample.labels)
    np.testing.assert_allclose(model.relabel(sample).labels, sample.labels)
