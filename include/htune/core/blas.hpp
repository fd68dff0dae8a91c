#pragma once
// BLAS through xtensor-blas, and control of the BLAS library's threads.
//
// Thread pools that compete for the same cores are a cost (PyTorch with 2 OpenMP and 2 OpenBLAS
// threads on 2 cores runs its MLP several times slower than with 1 of each). blas_threads lets
// the trainer, and parallel trials, set the count and restore the caller's setting.

#include "tensor.hpp"

#if __has_include(<xtensor-blas/xblas.hpp>)
#include <xtensor-blas/xblas.hpp>
#else
#error "htune needs xtensor-blas (Debian: libxtensor-blas-dev)"
#endif

#include <cstddef>

// OpenBLAS exports these; declared weak so that any other BLAS links too (the calls become no-ops).
extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
}

namespace htune {

struct blas_threads {
    // Number of threads the BLAS library uses now; 1 when it cannot be asked.
    static int get() noexcept { return openblas_get_num_threads ? openblas_get_num_threads() : 1; }
    static void set(int n) noexcept {
        if (openblas_set_num_threads) openblas_set_num_threads(n < 1 ? 1 : n);
    }
    static bool controllable() noexcept { return openblas_set_num_threads != nullptr; }
};

// Sets the BLAS thread count for a scope and restores the previous one.
class scoped_blas_threads {
public:
    explicit scoped_blas_threads(int n) noexcept : m_previous(blas_threads::get()) { blas_threads::set(n); }
    ~scoped_blas_threads() { blas_threads::set(m_previous); }
    scoped_blas_threads(scoped_blas_threads const&) = delete;
    scoped_blas_threads& operator=(scoped_blas_threads const&) = delete;

private:
    int m_previous;
};

// C = alpha * op(A) * op(B) + beta * C on row-major batch views, allocation-free.
template <class T>
void gemm(batch_view<T const> a, bool transpose_a, batch_view<T const> b, bool transpose_b, batch_view<T> c,
          T alpha = T(1), T beta = T(0)) {
    auto const ta = a.tensor();
    auto const tb = b.tensor();
    auto tc = c.tensor();
    xt::blas::gemm(ta, tb, tc, transpose_a, transpose_b, alpha, beta);
}

} // namespace htune
