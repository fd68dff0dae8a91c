#pragma once
// Square roots of a block of values, vectorised.
//
// g++ 12 never vectorises a loop that calls std::sqrt under the default -fmath-errno (the call
// must be able to set errno for a negative argument), and neither the optimize attribute nor
// `#pragma GCC optimize` lifts it. Requiring users to build with -fno-math-errno is not an option
// for a header-only library, so the optimizers compute square roots here, through the
// instruction set's sqrt (SSE2 and AVX on x86-64, NEON on AArch64) with a scalar tail. The
// instructions are correctly rounded IEEE square roots, as std::sqrt: results are bit-identical,
// and a negative input gives NaN in both. Update loops are split into chunks: a first pass fills
// a stack buffer, sqrt_in_place runs over it, a second pass uses it; both passes vectorise.

#include <algorithm>
#include <cmath>
#include <cstddef>

#if defined(__AVX__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace htune::optim::detail {

// Values per chunk of a split update loop: small enough for a stack buffer in L1.
inline constexpr std::size_t sqrt_chunk = 512;

inline void sqrt_in_place(float* x, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__AVX__)
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
#elif defined(__SSE2__)
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(x + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));
#elif defined(__ARM_NEON) && defined(__aarch64__)
    for (; i + 4 <= n; i += 4) vst1q_f32(x + i, vsqrtq_f32(vld1q_f32(x + i)));
#endif
    for (; i < n; ++i) x[i] = std::sqrt(x[i]);
}

inline void sqrt_in_place(double* x, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__AVX__)
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, _mm256_sqrt_pd(_mm256_loadu_pd(x + i)));
#elif defined(__SSE2__)
    for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, _mm_sqrt_pd(_mm_loadu_pd(x + i)));
#elif defined(__ARM_NEON) && defined(__aarch64__)
    for (; i + 2 <= n; i += 2) vst1q_f64(x + i, vsqrtq_f64(vld1q_f64(x + i)));
#endif
    for (; i < n; ++i) x[i] = std::sqrt(x[i]);
}

// Calls f(begin, count) over [0, n) in chunks of sqrt_chunk.
template <class F>
inline void for_each_chunk(std::size_t n, F&& f) {
    for (std::size_t begin = 0; begin < n; begin += sqrt_chunk) f(begin, std::min(sqrt_chunk, n - begin));
}

} // namespace htune::optim::detail
