#pragma once
// Flushing subnormal (denormal) floats to zero for a scope, on the calling thread.
//
// Why: x86 cores handle a subnormal operand or result in microcode, about a hundred times slower
// than a normal one, and training makes subnormals as a matter of course. Adam's first moment
// decays by beta1 = 0.9 every step in which a weight gets no gradient (an input pixel that is zero
// in the batch, a ReLU unit that is off), so after a few hundred such steps it is subnormal, and
// with round-to-nearest 0.9 * the smallest subnormal rounds back to itself: it never leaves. On
// Fashion-MNIST's 784-128-10 MLP (bench/run mlp) the second epoch took 0.90 s instead of 0.24 s.
// With flush-to-zero (results that would be subnormal become 0) and denormals-are-zero (subnormal
// inputs read as 0) the values involved are below 1.2e-38 and lose nothing a network can use;
// TensorFlow and XLA run their CPU kernels this way by default.
//
// The mode is a per-thread register (MXCSR on x86-64, FPCR on AArch64): the guard sets it and
// puts back what it found, so the caller's own code keeps its mode. Threads that a BLAS library
// starts keep theirs; htune's own loops run on the calling thread. Elsewhere the guard does
// nothing and `active()` says so.

#if (defined(__x86_64__) || defined(_M_X64)) && defined(__SSE__)
#include <xmmintrin.h>
#define HTUNE_DENORMALS_X86 1
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define HTUNE_DENORMALS_AARCH64 1
#endif

#include <cstdint>

namespace htune {

class scoped_flush_denormals {
public:
    // on = false leaves the mode as it is (and restores nothing).
    explicit scoped_flush_denormals(bool on = true) noexcept {
        if (!on) return;
#if defined(HTUNE_DENORMALS_X86)
        m_previous = _mm_getcsr();
        _mm_setcsr(static_cast<unsigned>(m_previous) | flush_bits);
        m_set = true;
#elif defined(HTUNE_DENORMALS_AARCH64)
        std::uint64_t fpcr;
        __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
        m_previous = fpcr;
        fpcr |= flush_bits;
        __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
        m_set = true;
#endif
    }
    ~scoped_flush_denormals() {
        if (!m_set) return;
#if defined(HTUNE_DENORMALS_X86)
        _mm_setcsr(static_cast<unsigned>(m_previous));
#elif defined(HTUNE_DENORMALS_AARCH64)
        std::uint64_t const fpcr = m_previous;
        __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
#endif
    }
    scoped_flush_denormals(scoped_flush_denormals const&) = delete;
    scoped_flush_denormals& operator=(scoped_flush_denormals const&) = delete;

    // Whether this guard changed the mode (false when asked not to, or on other architectures).
    bool active() const noexcept { return m_set; }

    // Whether the calling thread flushes subnormals now.
    static bool enabled() noexcept {
#if defined(HTUNE_DENORMALS_X86)
        return (_mm_getcsr() & flush_bits) == flush_bits;
#elif defined(HTUNE_DENORMALS_AARCH64)
        std::uint64_t fpcr;
        __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
        return (fpcr & flush_bits) == flush_bits;
#else
        return false;
#endif
    }

    // Whether this build can change the mode at all.
    static constexpr bool supported() noexcept {
#if defined(HTUNE_DENORMALS_X86) || defined(HTUNE_DENORMALS_AARCH64)
        return true;
#else
        return false;
#endif
    }

private:
#if defined(HTUNE_DENORMALS_X86)
    static constexpr unsigned flush_bits = 0x8040u; // FTZ (bit 15) | DAZ (bit 6)
#elif defined(HTUNE_DENORMALS_AARCH64)
    static constexpr std::uint64_t flush_bits = std::uint64_t{1} << 24; // FZ
#endif
    std::uint64_t m_previous = 0;
    bool m_set = false;
};

} // namespace htune
