#pragma once
// One optimize() call of a study: the work source its executor takes trials from (exec/,
// core/concepts/executor.hpp), and the rules the study applies to each outcome. The executor decides
// where a trial runs; this decides which trial runs next (the lag rule), when the run stops (the
// target, the timeout, the failure limit, Ctrl-C, an error), and what an objective's outcome does
// (complete, pruned, failed, retried in place).
//
// In parallel (an executor with concurrency() N, such as run_options::jobs = N) trial n is
// proposed from the results of trials 0 .. n-1-lag only; the `lag` trials just before it are
// pending to the sampler (ctx.pending) whatever their state, and a worker waits before asking
// trial n until this run's trials below n - lag have finished. So the trials, and with a
// deterministic objective their results, depend on (seed, lag) and never on N or on timing. lag is
// study_options::lag, by default N - 1 for a run (0 for ask/tell): fix it (e.g. lag = 3) to get
// the same study with any N; a run with N > lag + 1 then waits more. See docs/guides/parallel.md.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../core/blas.hpp"
#include "../core/concepts/executor.hpp"
#include "../core/errors.hpp"
#include "../core/trials.hpp"
#include "../core/work.hpp"
#include "../storage/backend.hpp"
#include "run_options.hpp"

namespace htune::tune::detail {

// What the workers of one optimize() call share, under the study's mutex.
struct run_state {
    run_options const* options = nullptr;
    std::uint64_t lag = 0;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::uint64_t started = 0;       // trials this run has begun
    std::uint64_t finished = 0;      // and ended
    std::set<std::uint64_t> running; // this run's trials not finished yet
    std::uint64_t consecutive_failures = 0;
    std::vector<std::string> streak; // the last messages of the current failure streak
    bool stop = false;               // no more trials start
    bool interrupted = false;        // by Ctrl-C
    std::exception_ptr error;        // rethrown by optimize() once the executor is done
};

// The work source of one run. `more(study, started)` says whether the target needs another trial.
template <class Study, class Objective, class More>
class study_run {
public:
    using trial = typename Study::trial;

    study_run(Study& s, Objective& objective, run_state& rs, More& more)
        : m_study(s), m_objective(objective), m_rs(rs), m_more(more) {}

    // One trial handed to the executor.
    class unit {
    public:
        std::uint64_t number() const noexcept { return m_trial.number(); }
        // The study's objective, on this thread.
        void run() {
            m_run->guarded([&] { m_run->run_trial(m_run->m_objective, m_trial); });
        }
        // evaluate(trial&) -> double on this thread: it sends the trial elsewhere and relays the
        // reports and the value back (or prunes, or throws); the study's rules apply as for run().
        template <class Evaluate>
        void run_elsewhere(Evaluate&& evaluate) {
            m_run->guarded([&] { m_run->run_trial(evaluate, m_trial); });
        }

    private:
        friend class study_run;
        unit(study_run* r, trial t) : m_run(r), m_trial(std::move(t)) {}
        study_run* m_run;
        trial m_trial;
    };

    // Waits until trial n may be asked (this run's trials below n - lag have finished), then asks
    // it. When the target is met but some of this run's trials are still running, waits for them:
    // one may fail, and then another trial is needed. Empty when the run is over.
    std::optional<unit> next() {
        std::optional<unit> u;
        guarded([&] {
            if (std::optional<trial> t = next_trial()) u.emplace(unit(this, std::move(*t)));
        });
        return u;
    }

    // No further trial starts; optimize() rethrows `error` once the executor returns.
    void stop(std::exception_ptr error) {
        std::lock_guard lock(m_study.m_mutex);
        m_rs.stop = true;
        if (!m_rs.error) m_rs.error = error;
        m_study.m_cv.notify_all();
    }

private:
    // The storage failed, or the sampler did: no further trial starts, optimize() rethrows.
    template <class F>
    void guarded(F&& f) noexcept {
        try {
            f();
        } catch (...) {
            stop(std::current_exception());
        }
    }

    std::optional<trial> next_trial() {
        Study& s = m_study;
        run_state& rs = m_rs;
        std::unique_lock lock(s.m_mutex);
        for (;;) {
            if (rs.stop) return std::nullopt;
            if (s.stopping()) {
                s.m_stopping = true;
                rs.interrupted = true;
                rs.stop = true;
                s.m_cv.notify_all();
                return std::nullopt;
            }
            if (rs.deadline && std::chrono::steady_clock::now() >= *rs.deadline) {
                rs.stop = true;
                s.m_cv.notify_all();
                return std::nullopt;
            }
            std::uint64_t const next = s.m_book.trials.size();
            std::uint64_t const cutoff = next > rs.lag ? next - rs.lag : 0;
            if (rs.running.empty() || *rs.running.begin() >= cutoff) {
                storage::backend_lock storage_lock(s.m_book.storage.get());
                s.sync();
                bool const exhausted = s.m_book.reruns.empty() && s.m_queue.empty() && s.sampler_exhausted();
                if (!exhausted && m_more(s, rs.started)) {
                    trial t = s.ask_synced(rs.lag);
                    rs.running.insert(t.number());
                    ++rs.started;
                    return t;
                }
                if (exhausted || rs.running.empty()) {
                    rs.stop = true;
                    s.m_cv.notify_all();
                    return std::nullopt;
                }
            }
            s.m_cv.wait_for(lock, std::chrono::milliseconds(50)); // also polls Ctrl-C and the deadline
        }
    }

    // Runs the objective on one trial and records the outcome: complete, pruned or failed (retried
    // first when its exception is caught and retries are left).
    template <class Evaluate>
    void run_trial(Evaluate& objective, trial& t) {
        Study& s = m_study;
        run_state& rs = m_rs;
        run_options const& o = *rs.options;
        bool failed = false, interrupted = false;
        std::string message;
        std::exception_ptr error;
        for (std::uint64_t attempt = 1;; ++attempt) {
            try {
                double const value = static_cast<double>(objective(t));
                if (std::isfinite(value)) {
                    s.tell(t, value);
                } else {
                    failed = true;
                    message = Study::non_finite_message(value);
                }
            } catch (trial_pruned const&) {
                s.prune(t);
            } catch (trial_interrupted const&) {
                failed = interrupted = true;
                message = "interrupted by SIGINT";
            } catch (std::exception const& e) {
                if (s.stopping()) {
                    failed = interrupted = true;
                    message = htune::detail::concat("interrupted by SIGINT (", e.what(), ")");
                } else {
                    bool const caught = !o.catches || o.catches(e);
                    if (caught && attempt <= o.retries) {
                        s.retry(t);
                        continue;
                    }
                    failed = true;
                    message = attempt > 1
                                  ? htune::detail::concat(e.what(), " (attempt ", attempt, " of ", o.retries + 1, ")")
                                  : std::string(e.what());
                    if (!caught) error = std::current_exception();
                }
            } catch (...) {
                failed = true;
                message = "the objective threw an exception that is not a std::exception";
                error = std::current_exception();
            }
            break;
        }
        if (failed) s.fail(t, message);

        std::lock_guard lock(s.m_mutex);
        rs.running.erase(t.number());
        ++rs.finished;
        if (s.m_progress) show_progress(t.number());
        if (interrupted) {
            rs.interrupted = true;
            rs.stop = true;
        } else if (failed) {
            ++rs.consecutive_failures;
            rs.streak.push_back(htune::detail::concat("trial ", t.number(), ": ", message));
            if (rs.streak.size() > 3) rs.streak.erase(rs.streak.begin());
            if (o.max_consecutive_failures > 0 && rs.consecutive_failures >= o.max_consecutive_failures) {
                rs.stop = true;
                if (!rs.error) {
                    std::string last;
                    for (auto const& m : rs.streak) last += htune::detail::concat("\n  ", m);
                    rs.error = std::make_exception_ptr(too_many_failures(htune::detail::concat(
                        "htune::tune::study::optimize: ", rs.consecutive_failures,
                        " trials failed in a row (run_options::max_consecutive_failures = ", o.max_consecutive_failures,
                        "); the last ones:", last)));
                }
            }
        } else {
            rs.consecutive_failures = 0;
            rs.streak.clear();
        }
        if (error) {
            rs.stop = true;
            if (!rs.error) rs.error = error;
        }
        s.m_cv.notify_all();
    }

    // The status line after a trial of a run ended (under the study's lock).
    void show_progress(std::uint64_t number) {
        Study& s = m_study;
        auto const& r = s.m_book.trials[number];
        std::string outcome;
        if (r.state == trial_state::complete) {
            outcome = htune::detail::concat("complete ", r.value);
        } else if (r.state == trial_state::pruned) {
            outcome = r.intermediate.empty() ? std::string("pruned")
                                             : htune::detail::concat("pruned at step ", r.intermediate.back().step);
        } else {
            std::string message = r.message.substr(0, std::min(r.message.find('\n'), std::size_t{100}));
            outcome = htune::detail::concat(to_string(r.state), ": ", message);
        }
        exec::detail::progress_state p;
        p.done = m_rs.finished;
        p.complete = s.count_locked(trial_state::complete);
        p.pruned = s.count_locked(trial_state::pruned);
        p.failed = s.count_locked(trial_state::failed);
        if (auto const* best = s.best_locked()) {
            p.best = best->value;
            p.best_number = best->number;
            p.best_config = to_string(best->config);
        }
        s.m_progress->trial_done(number, outcome, p);
    }

    Study& m_study;
    Objective& m_objective;
    run_state& m_rs;
    More& m_more;
};

// One optimize() call: sets the run up (lag, deadline, BLAS threads, Ctrl-C, the status line), lets
// the executor take its trials, and says how it ended.
template <class Study, class Objective, concepts::executor Executor, class More>
std::uint64_t run_study(Study& s, Objective& objective, run_options const& options, Executor& executor,
                        std::uint64_t target, bool target_is_complete, More more) {
    std::size_t const jobs = executor.concurrency();
    HTUNE_CHECK(jobs >= 1, "htune::tune::study::optimize: the executor's concurrency() must be at least 1, got ", jobs);
    HTUNE_CHECK(options.jobs == 1 || options.jobs == jobs, "htune::tune::study::optimize: run_options::jobs is ",
                options.jobs, " but the executor runs ", jobs,
                " trials at once; leave run_options::jobs at 1 when passing an executor");
    run_state rs;
    rs.options = &options;
    rs.lag = s.options().lag.value_or(jobs - 1);
    if (options.timeout)
        rs.deadline = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(*options.timeout);
    {
        // Trials on several threads share the cores: one BLAS thread each, unless told otherwise.
        std::optional<scoped_blas_threads> blas;
        if (options.blas_threads > 0) blas.emplace(options.blas_threads);
        else if (jobs > 1) blas.emplace(1);
        exec::detail::sigint_scope sigint(options.sigint);
        if (sigint.active()) ++s.m_sigint_runs;
        s.m_stopping = false;
        s.m_interrupted = false;
        exec::detail::progress_printer printer(options.progress, options.progress_to, target, target_is_complete,
                                               rs.deadline, options.verbose);
        {
            std::lock_guard lock(s.m_mutex);
            s.m_progress = printer.active() ? &printer : nullptr;
        }
        study_run<Study, Objective, More> source(s, objective, rs, more);
        try {
            executor.run(source);
        } catch (...) {
            source.stop(std::current_exception());
        }
        {
            std::lock_guard lock(s.m_mutex);
            s.m_progress = nullptr;
        }
        printer.finish();
        if (sigint.active()) --s.m_sigint_runs;
        s.m_stopping = false;
    } // the previous SIGINT handler is back
    if (rs.interrupted) {
        s.m_interrupted = true;
        std::cerr << "htune: interrupted by SIGINT; the running trials were marked failed\n";
        s.print_summary(std::cerr);
        if (options.sigint == on_sigint::stop_and_raise) std::raise(SIGINT);
    }
    if (rs.error) std::rethrow_exception(rs.error);
    return rs.started;
}

} // namespace htune::tune::detail
