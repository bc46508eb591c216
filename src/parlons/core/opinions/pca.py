"""Vote matrix, mean imputation and 2-D PCA without densifying.

With mean imputation, the *centered* imputed matrix is zero wherever a participant did not
vote (the imputed value equals the column mean), so it is exactly as sparse as the votes:
``C[i, j] = vote[i, j] - mean[j]`` on cast votes, 0 elsewhere, and every column of ``C``
sums to zero.  Its top principal axes are therefore the top right singular vectors of the
sparse ``C``, found by Lanczos iteration (ARPACK, the Krylov refinement of Polis'
power-iteration PCA) in O(iterations × votes) time and O(votes) memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from parlons.core.opinions.model import MODERATED_OUT, Conversation, OpinionsDataError


@dataclass
class VoteMatrix:
    """Sparse participant × statement matrices built from a conversation."""

    votes: sp.csr_matrix       # raw votes, {-1, 0, 1}; passes are explicit zeros
    voted: sp.csr_matrix       # 1 where a vote was cast (pass included)
    active: np.ndarray         # statements not moderated out
    n_votes: np.ndarray        # raw votes per participant (all statements)


def build_matrix(conv: Conversation) -> VoteMatrix:
    """Build the sparse vote matrix (CSR, rows sorted by participant then statement)."""
    n, m = conv.n_participants, conv.n_statements
    # one CSR with codes 1, 2, 3 (= vote + 2) so that passes are not dropped as zeros
    codes = sp.csr_matrix((conv.vote_value.astype(np.float64) + 2.0,
                           (conv.vote_participant, conv.vote_statement)), shape=(n, m))
    if codes.nnz != conv.n_votes or (codes.data > 3).any():
        raise OpinionsDataError("more than one vote per participant and statement")
    votes = codes.copy()
    votes.data -= 2.0
    voted = codes.copy()
    voted.data[:] = 1.0
    assert conv.moderation is not None
    active = conv.moderation != MODERATED_OUT
    indptr = codes.indptr
    return VoteMatrix(votes, voted, active, np.diff(indptr))


@dataclass
class Projection:
    """Result of the PCA step."""

    components: np.ndarray      # (2, m) principal axes (zero on unused statements)
    means: np.ndarray           # (m,) column means used for imputation (0 when zeroed)
    explained_variance: np.ndarray  # (2,)
    participants: np.ndarray    # (n, 2) sparsity-scaled participant coordinates
    statements: np.ndarray      # (m, 2) coordinates of a virtual participant agreeing with one
    columns: np.ndarray         # (m,) statements that are matrix columns (have a vote)


def pca_2d(mat: VoteMatrix, *, seed: int = 0, tol: float = 0.0,
           max_iter: int = 500) -> Projection:
    """2-D PCA of the mean-imputed vote matrix with moderated-out statements zeroed.

    Columns are the statements with at least one vote (red-dwarf and Polis build the matrix
    from votes); a moderated-out column is all zeros, counts as a vote in the sparsity
    scaling (as in Polis, which zeroes those columns) and has a zero loading.
    """
    n, m = mat.votes.shape
    counts = np.asarray(mat.voted.sum(axis=0)).ravel()
    sums = np.asarray(mat.votes.sum(axis=0)).ravel()
    columns = counts > 0
    zeroed = columns & ~mat.active
    means = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
    means[~mat.active] = 0.0
    centered = mat.votes.copy()
    centered.data = centered.data - means[centered.indices]
    centered.data[zeroed[centered.indices]] = 0.0
    components, variances = _top2_right_singular(centered, seed=seed, tol=tol,
                                                 max_iter=max_iter)
    components[:, ~columns | zeroed] = 0.0  # exactly zero in theory; clear rounding noise
    m_cols = int(columns.sum())
    # votes per participant in the zeroed matrix: cast votes on active columns + zeroed columns
    active_votes = mat.voted @ mat.active.astype(np.float64)
    n_seen = active_votes + int(zeroed.sum())
    scale = np.sqrt(m_cols / np.maximum(n_seen, 1))
    participants = (centered @ components.T) * scale[:, None]
    statements = ((1.0 - means)[:, None] * components.T) * np.sqrt(m_cols)
    statements[~columns] = 0.0
    var = variances / max(n - 1, 1)
    return Projection(components, means, var, participants, statements, columns)


def _top2_right_singular(c: sp.csr_matrix, *, seed: int, tol: float,
                         max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Top two right singular vectors of ``c`` (rows of the result) and squared values.

    Lanczos (ARPACK ``svds``) on the sparse matrix with a seeded start vector; a dense SVD
    for tiny matrices.
    """
    n, m = c.shape
    k = 2
    if m == 0 or n == 0:
        return np.zeros((k, m)), np.zeros(k)
    if min(n, m) <= 3 * k:
        _, s, vt = np.linalg.svd(c.toarray(), full_matrices=False)
        v, vals = vt[:k], s[:k] ** 2
    else:
        from scipy.sparse.linalg import svds

        v0 = np.random.default_rng(seed).standard_normal(min(n, m))
        _, s, vt = svds(c, k=k, v0=v0, tol=tol, maxiter=max_iter * 100)
        order = np.argsort(s)[::-1]
        v, vals = vt[order], s[order] ** 2
    if v.shape[0] < k:  # fewer statements than components
        v = np.vstack([v, np.zeros((k - v.shape[0], m))])
        vals = np.concatenate([vals, np.zeros(k - len(vals))])
    # deterministic sign, as scikit-learn: the largest loading of each axis is positive
    for i in range(k):
        j = int(np.argmax(np.abs(v[i])))
        if v[i, j] < 0:
            v[i] = -v[i]
    return v, vals
