#pragma once
// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations, for CMA-ES.
//
// Written out rather than taken from LAPACK (xt::linalg::eigh): the result depends only on IEEE
// arithmetic in the order written here, so a study replays bit for bit on any machine and with
// g++ and clang, while OpenBLAS picks different kernels per CPU. Jacobi is also the most accurate
// method for small eigenvalues; its cost, about 10 n^3 flops per call, is nothing next to a trial.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

namespace htune::samplers::detail {

// a: n x n symmetric, row-major (only read). On return `values` holds the eigenvalues in increasing
// order and column i of `vectors` (row-major n x n) the unit eigenvector of values[i], so that
// a = vectors * diag(values) * vectors^T. `work` is resized as needed and may be reused.
inline void jacobi_eigen(std::span<double const> a, std::size_t n, std::span<double> values, std::span<double> vectors,
                         std::vector<double>& work) {
    // work = [the matrix being diagonalised | the accumulated rotations]
    work.assign(2 * n * n, 0.0);
    std::copy(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n * n), work.begin());
    double* const m = work.data();
    double* const v = work.data() + n * n;
    for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
    auto at = [n](double* x, std::size_t r, std::size_t c) -> double& { return x[r * n + c]; };

    constexpr int max_sweeps = 60;
    for (int sweep = 0; sweep < max_sweeps; ++sweep) {
        double off = 0.0;
        double diag = 0.0;
        for (std::size_t p = 0; p < n; ++p) {
            diag += at(m, p, p) * at(m, p, p);
            for (std::size_t q = p + 1; q < n; ++q) off += at(m, p, q) * at(m, p, q);
        }
        if (off == 0.0 || off <= 1e-32 * diag) break;
        for (std::size_t p = 0; p + 1 < n; ++p) {
            for (std::size_t q = p + 1; q < n; ++q) {
                double const apq = at(m, p, q);
                if (apq == 0.0) continue;
                double const app = at(m, p, p);
                double const aqq = at(m, q, q);
                // Once an element is below rounding of both diagonal entries it is set to zero
                // (Numerical Recipes' rule), which keeps the last sweeps from spinning.
                if (sweep > 3 && std::abs(app) + std::abs(apq) * 100.0 == std::abs(app) &&
                    std::abs(aqq) + std::abs(apq) * 100.0 == std::abs(aqq)) {
                    at(m, p, q) = 0.0;
                    at(m, q, p) = 0.0;
                    continue;
                }
                double const theta = (aqq - app) / (2.0 * apq);
                double t = 0.0;
                if (std::abs(theta) > 1e150) {
                    t = 0.5 / theta;
                } else {
                    t = 1.0 / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
                    if (theta < 0.0) t = -t;
                }
                double const c = 1.0 / std::sqrt(t * t + 1.0);
                double const s = t * c;
                // m <- J^T m J with J the rotation in the (p, q) plane; then v <- v J.
                for (std::size_t k = 0; k < n; ++k) {
                    double const kp = at(m, k, p);
                    double const kq = at(m, k, q);
                    at(m, k, p) = c * kp - s * kq;
                    at(m, k, q) = s * kp + c * kq;
                }
                for (std::size_t k = 0; k < n; ++k) {
                    double const pk = at(m, p, k);
                    double const qk = at(m, q, k);
                    at(m, p, k) = c * pk - s * qk;
                    at(m, q, k) = s * pk + c * qk;
                }
                at(m, p, q) = 0.0;
                at(m, q, p) = 0.0;
                for (std::size_t k = 0; k < n; ++k) {
                    double const kp = at(v, k, p);
                    double const kq = at(v, k, q);
                    at(v, k, p) = c * kp - s * kq;
                    at(v, k, q) = s * kp + c * kq;
                }
            }
        }
    }

    // Increasing order, as LAPACK's syev (ties keep their index order, so the result is unique).
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
        return m[i * n + i] < m[j * n + j] || (m[i * n + i] == m[j * n + j] && i < j);
    });
    for (std::size_t c = 0; c < n; ++c) {
        values[c] = m[order[c] * n + order[c]];
        for (std::size_t r = 0; r < n; ++r) vectors[r * n + c] = v[r * n + order[c]];
    }
}

} // namespace htune::samplers::detail
