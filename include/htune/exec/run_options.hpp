#pragma once
// How study::optimize runs trials: how many at once, for how long, what an objective's exception
// does, when repeated failures stop the run, what Ctrl-C does, and what it shows meanwhile.
//
//   s.optimize(objective, 100, {.jobs = 2, .timeout = std::chrono::minutes(30),
//                               .catches = tune::catch_only<std::runtime_error>(),
//                               .max_consecutive_failures = 5, .retries = 1});
//
// Exceptions: an objective's exception that `catches` accepts fails only its trial (with what() as
// the message) and the study goes on; any other exception fails its trial too, then stops the run
// (running trials finish) and is rethrown from optimize(). Exceptions not derived from
// std::exception are never caught. The filter runs once per failed trial, so it may be a
// std::function.

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <signal.h>
#include <string>

#include "../core/errors.hpp"
#include "../core/work.hpp"
#include "progress.hpp"

namespace htune::exec {

// Whether an objective's exception fails only its trial (true) or stops the run (false).
using exception_filter = std::function<bool(std::exception const&)>;

// Every std::exception fails only its trial (the default; an empty filter means the same).
inline exception_filter catch_all() {
    return [](std::exception const&) { return true; };
}

// Only exceptions of these types (or derived from them) fail only their trial.
template <class... Exceptions>
exception_filter catch_only() {
    static_assert(sizeof...(Exceptions) > 0, "htune::tune::catch_only<E...>: name at least one exception type");
    return [](std::exception const& e) { return (... || (dynamic_cast<Exceptions const*>(&e) != nullptr)); };
}

// Every exception stops the run (after its trial is marked failed), as Optuna does without `catch`.
inline exception_filter catch_none() {
    return [](std::exception const&) { return false; };
}

// What Ctrl-C (SIGINT) does during optimize().
enum class on_sigint {
    // The running trials are failed as interrupted (an objective sees it at its next report() or
    // should_stop()), a summary goes to stderr, the previous handler is restored and SIGINT raised
    // again: by default the program ends as Ctrl-C ends it (exit status 130).
    stop_and_raise,
    // The same, but optimize() returns (study::interrupted() says so) and the program goes on.
    stop,
    // No handler is installed.
    ignore,
};

struct run_options {
    std::size_t jobs = 1;                                                // trials at once, each on its own thread
    std::optional<std::chrono::duration<double>> timeout = std::nullopt; // no trial starts after it
    exception_filter catches = {};                                       // empty: catch_all()
    std::uint64_t max_consecutive_failures = 0;                          // this many failed trials in a row stop the
        // run with htune::tune::too_many_failures (0: never)
    std::uint64_t retries = 0; // reruns of a trial whose objective threw,
                               // in place (same number, config and seed)
    int blas_threads = 0;      // BLAS threads during the run; 0: 1 when
                               // jobs > 1 (trials share the cores), else as is
    on_sigint sigint = on_sigint::stop_and_raise;
    // The status line (see progress.hpp): by default on a terminal only.
    progress_display progress = progress_display::automatic;
    bool verbose = false;                // also a line per reported (intermediate) value
    std::ostream* progress_to = nullptr; // default: standard error
};

// Thrown by optimize() when max_consecutive_failures trials in a row failed.
class too_many_failures : public error {
public:
    using error::error;
};

// Thrown by trial::report() when the run is being stopped by SIGINT (core/work.hpp).
using htune::trial_interrupted;

namespace detail {

// Set by the SIGINT handler, read by the study (async-signal-safe: a lock-free atomic).
inline volatile std::sig_atomic_t sigint_received = 0;

inline void sigint_handler(int) {
    sigint_received = 1;
}

// Installs the handler for a scope (optimize()); nested and concurrent runs share one installation.
class sigint_scope {
public:
    explicit sigint_scope(on_sigint action) : m_action(action) {
        if (action == on_sigint::ignore) return;
        std::lock_guard lock(mutex());
        if (depth()++ == 0) {
            sigint_received = 0;
            struct sigaction sa{};
            sa.sa_handler = sigint_handler;
            sigemptyset(&sa.sa_mask);
            sa.sa_flags = 0; // no SA_RESTART: a blocking read in an objective returns with EINTR
            sigaction(SIGINT, &sa, &previous());
        }
    }
    ~sigint_scope() {
        if (m_action == on_sigint::ignore) return;
        std::lock_guard lock(mutex());
        if (--depth() == 0) sigaction(SIGINT, &previous(), nullptr);
    }
    sigint_scope(sigint_scope const&) = delete;
    sigint_scope& operator=(sigint_scope const&) = delete;

    bool active() const noexcept { return m_action != on_sigint::ignore; }
    static bool received() noexcept { return sigint_received != 0; }

private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static int& depth() {
        static int d = 0;
        return d;
    }
    static struct sigaction& previous() {
        static struct sigaction p{};
        return p;
    }
    on_sigint m_action;
};

} // namespace detail
} // namespace htune::exec
