#pragma once
// The few dense linear-algebra kernels the Gaussian process needs, on row-major square matrices,
// through xtensor-blas' bundled BLAS/LAPACK bindings (cxxblas over CBLAS, cxxlapack over LAPACK).
//
// LAPACK is column-major: a row-major matrix is its transpose in column-major order, and the
// matrices here are symmetric, so potrf('U') on row-major memory leaves the lower Cholesky factor
// L (C = L L^T) in the row-major lower triangle.

#include <cstddef>

#include "../../core/blas.hpp"

#if __has_include(<xtensor-blas/xlapack.hpp>)
#include <xtensor-blas/xlapack.hpp>
#else
#error "htune needs xtensor-blas (Debian: libxtensor-blas-dev)"
#endif

namespace htune::samplers::gp_detail {

using blas_int = int;

inline blas_int to_blas(std::size_t n) noexcept {
    return static_cast<blas_int>(n);
}

// In place: the lower triangle becomes L with a = L L^T, the strict upper triangle is zeroed.
// Returns LAPACK's info: 0 on success, k > 0 when the leading minor of order k is not positive.
inline int cholesky_lower(double* a, std::size_t n) {
    if (n == 0) return 0;
    int const info = static_cast<int>(cxxlapack::potrf<blas_int>('U', to_blas(n), a, to_blas(n)));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) a[i * n + j] = 0.0;
    return info;
}

// In place: L (from cholesky_lower) becomes the full symmetric inverse of L L^T.
inline int inverse_from_cholesky(double* a, std::size_t n) {
    if (n == 0) return 0;
    int const info = static_cast<int>(cxxlapack::potri<blas_int>('U', to_blas(n), a, to_blas(n)));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) a[i * n + j] = a[j * n + i];
    return info;
}

// b <- L^{-1} b.
inline void solve_lower(double const* l, std::size_t n, double* b) {
    if (n == 0) return;
    cxxblas::trsv<blas_int>(cxxblas::RowMajor, cxxblas::Lower, cxxblas::NoTrans, cxxblas::NonUnit, to_blas(n), l,
                            to_blas(n), b, 1);
}

// b <- L^{-T} b.
inline void solve_lower_transposed(double const* l, std::size_t n, double* b) {
    if (n == 0) return;
    cxxblas::trsv<blas_int>(cxxblas::RowMajor, cxxblas::Lower, cxxblas::Trans, cxxblas::NonUnit, to_blas(n), l,
                            to_blas(n), b, 1);
}

// Each of the m rows b_i of the row-major m x n matrix b becomes (L^{-1} b_i^T)^T.
inline void solve_lower_rows(double const* l, std::size_t n, double* b, std::size_t m) {
    if (n == 0 || m == 0) return;
    cxxblas::trsm<blas_int>(cxxblas::RowMajor, cxxblas::Right, cxxblas::Lower, cxxblas::Trans, cxxblas::NonUnit,
                            to_blas(m), to_blas(n), 1.0, l, to_blas(n), b, to_blas(n));
}

// y <- A x for a row-major m x n matrix A.
inline void matrix_vector(double const* a, std::size_t m, std::size_t n, double const* x, double* y) {
    if (m == 0) return;
    if (n == 0) {
        for (std::size_t i = 0; i < m; ++i) y[i] = 0.0;
        return;
    }
    cxxblas::gemv<blas_int>(cxxblas::RowMajor, cxxblas::NoTrans, to_blas(m), to_blas(n), 1.0, a, to_blas(n), x, 1, 0.0,
                            y, 1);
}

// C <- A B^T for row-major A (m x k), B (n x k), C (m x n).
inline void multiply_transposed(double const* a, double const* b, std::size_t m, std::size_t n, std::size_t k,
                                double* c) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
        for (std::size_t i = 0; i < m * n; ++i) c[i] = 0.0;
        return;
    }
    cxxblas::gemm<blas_int>(cxxblas::RowMajor, cxxblas::NoTrans, cxxblas::Trans, to_blas(m), to_blas(n), to_blas(k),
                            1.0, a, to_blas(k), b, to_blas(k), 0.0, c, to_blas(n));
}

} // namespace htune::samplers::gp_detail
