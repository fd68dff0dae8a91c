#pragma once
// A fixed team of threads that splits one loop over [0, n) between them: the calling thread takes
// the first part, each worker one of the others, and the call returns when every part is done.
//
// It exists for the element-wise loops of training (the optimizer's update of every parameter,
// about a fifth of an epoch of a small MLP) which are too short for a general task pool: a step of
// Adam over 100k parameters takes some 50 us, so starting the work must cost well under a
// microsecond. Workers therefore spin (with the CPU's pause hint) for a short while after each
// job before they sleep on an atomic wait; a job posted while they spin starts at once.
//
// Splits are deterministic (part k of n always covers the same indices) and fall on multiples
// of 16 values, so no two threads write to the same cache line; an element-wise loop gives the
// same bits on any number of threads. Functions run on workers must not throw.
//
//   htune::thread_team team(2);
//   team(n, [&](std::size_t begin, std::size_t end) { for (i = begin; i < end; ++i) ...; });
//
// htune::serial_ranges is the one-thread version with the same call, for code that takes either.
// for_each_thread(f) calls f(k) once on each thread k instead: work already cut into pieces.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "denormals.hpp"
#include "errors.hpp"

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace htune {

// Runs f(0, n) on the calling thread.
struct serial_ranges {
    template <class F>
    void operator()(std::size_t n, F&& f) const {
        if (n > 0) f(std::size_t{0}, n);
    }
};

namespace detail {
inline void cpu_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
    _mm_pause();
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
    __asm__ __volatile__("yield");
#endif
}
} // namespace detail

class thread_team {
public:
    // Loops shorter than this run on the calling thread alone: splitting costs more than it saves.
    static constexpr std::size_t min_parallel = 8192;
    // How long an idle worker spins before it sleeps.
    static constexpr std::chrono::microseconds spin_time{500};

    // `threads` counts the calling thread: thread_team(1) starts no worker. With flush_denormals
    // the workers flush subnormals to zero (core/denormals.hpp), as a trainer's own thread does.
    explicit thread_team(std::size_t threads, bool flush_denormals = false) : m_parts(checked(threads)) {
        if (threads > 1) live_threads().fetch_add(threads, std::memory_order_relaxed);
        m_workers.reserve(threads - 1);
        for (std::size_t w = 1; w < threads; ++w)
            m_workers.emplace_back([this, w, flush_denormals] {
                scoped_flush_denormals flush(flush_denormals);
                work(w);
            });
    }

    ~thread_team() {
        m_stop.store(true, std::memory_order_seq_cst);
        m_generation.fetch_add(1, std::memory_order_seq_cst);
        m_generation.notify_all();
        for (auto& t : m_workers) t.join();
        if (m_parts > 1) live_threads().fetch_sub(m_parts, std::memory_order_relaxed);
    }

    // Threads of all teams alive in the process, callers included (teams of one thread not
    // counted). When they outnumber the cores, workers sleep at once instead of spinning: a
    // spinning worker takes the core from the thread it waits for (measured on 2 cores: the tuning
    // job of bench/run pipeline with 2 trials at once, each on 2 split-batch threads, took 26 s with
    // spinning workers and 6.1 s with this rule; 5.1 s with one trial at a time).
    static std::atomic<std::size_t>& live_threads() noexcept {
        static std::atomic<std::size_t> count{0};
        return count;
    }

    static bool oversubscribed() noexcept {
        static std::size_t const cores = std::max(1u, std::thread::hardware_concurrency());
        return live_threads().load(std::memory_order_relaxed) > cores;
    }

    thread_team(thread_team const&) = delete;
    thread_team& operator=(thread_team const&) = delete;

    std::size_t size() const noexcept { return m_parts; }

    // Calls f(begin, end) once per part of [0, n), in parallel; returns when all have returned.
    template <class F>
    void operator()(std::size_t n, F&& f) {
        std::size_t const parts = size();
        if (parts == 1 || n < min_parallel) {
            if (n > 0) f(std::size_t{0}, n);
            return;
        }
        post(n, false, f);
        // Wait for the workers even if this thread's part throws: they use f.
        waiter wait{m_pending};
        auto const [begin, end] = part(0, parts, n);
        if (begin < end) f(begin, end);
    }

    // Calls f(k) once on each thread k of the team (0: the caller), in parallel; returns when all
    // have returned. For work already cut into size() pieces, such as the rows of a batch.
    template <class F>
    void for_each_thread(F&& f) {
        if (size() == 1) {
            f(std::size_t{0});
            return;
        }
        auto ranged = [&f](std::size_t k, std::size_t) { f(k); };
        post(size(), true, ranged);
        waiter wait{m_pending};
        f(std::size_t{0});
    }

    // The indices part k of `parts` covers: boundaries on multiples of 16.
    static std::pair<std::size_t, std::size_t> part(std::size_t k, std::size_t parts, std::size_t n) noexcept {
        std::size_t const blocks = (n + 15) / 16;
        std::size_t const begin = std::min(n, blocks * k / parts * 16);
        std::size_t const end = std::min(n, blocks * (k + 1) / parts * 16);
        return {begin, end};
    }

private:
    // The caller waits for the workers' parts by spinning; after a while (at once when the teams
    // outnumber the cores) it yields, so that a worker without a core of its own gets one.
    struct waiter {
        std::atomic<std::size_t>& pending;
        ~waiter() {
            for (unsigned spins = 0; pending.load(std::memory_order_acquire) != 0; ++spins) {
                if (spins < 64 || (spins < 4096 && !oversubscribed())) detail::cpu_pause();
                else std::this_thread::yield();
            }
        }
    };

    template <class F>
    void post(std::size_t n, bool per_thread, F& f) {
        using function_type = std::remove_reference_t<F>;
        m_call = [](void* context, std::size_t begin, std::size_t end) {
            (*static_cast<function_type*>(context))(begin, end);
        };
        m_context = const_cast<void*>(static_cast<void const*>(std::addressof(f)));
        m_n = n;
        m_per_thread = per_thread;
        m_pending.store(size() - 1, std::memory_order_relaxed);
        m_generation.fetch_add(1, std::memory_order_seq_cst); // publishes the job
        if (m_sleeping.load(std::memory_order_seq_cst) > 0) m_generation.notify_all();
    }

    static std::size_t checked(std::size_t threads) {
        HTUNE_CHECK(threads >= 1, "htune::thread_team: threads (", threads, ") must be >= 1");
        return threads;
    }

    void work(std::size_t index) noexcept {
        std::uint64_t seen = 0;
        for (;;) {
            auto deadline = std::chrono::steady_clock::now() + spin_time;
            std::uint64_t now_at;
            unsigned spins = 0;
            while ((now_at = m_generation.load(std::memory_order_acquire)) == seen) {
                detail::cpu_pause();
                if (++spins % 64 == 0 && (oversubscribed() || std::chrono::steady_clock::now() > deadline)) {
                    m_sleeping.fetch_add(1, std::memory_order_seq_cst);
                    m_generation.wait(seen, std::memory_order_seq_cst);
                    m_sleeping.fetch_sub(1, std::memory_order_seq_cst);
                    deadline = std::chrono::steady_clock::now() + spin_time;
                }
            }
            seen = now_at;
            if (m_stop.load(std::memory_order_acquire)) return;
            if (m_per_thread) {
                m_call(m_context, index, index + 1);
            } else {
                auto const [begin, end] = part(index, size(), m_n);
                if (begin < end) m_call(m_context, begin, end);
            }
            m_pending.fetch_sub(1, std::memory_order_release);
        }
    }

    std::size_t const m_parts;
    std::vector<std::thread> m_workers;
    std::atomic<std::uint64_t> m_generation{0};
    std::atomic<std::size_t> m_pending{0};
    std::atomic<std::size_t> m_sleeping{0};
    std::atomic<bool> m_stop{false};
    void (*m_call)(void*, std::size_t, std::size_t) = nullptr;
    void* m_context = nullptr;
    std::size_t m_n = 0;
    bool m_per_thread = false;
};

} // namespace htune
