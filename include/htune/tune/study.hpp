#pragma once
// study<Space, Sampler>: a tuning session over any objective.
//
//   tune::study<search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>, samplers::tpe<>> s{{.seed = 7}};
//   auto t = s.ask();                                    // t.get<"x">() is a double, typed by the space
//   s.tell(t, branin(t.get<"x">(), t.get<"y">()));
//   s.optimize([](auto& t) { return branin(t.template get<"x">(), t.template get<"y">()); }, 40);
//
// Trial n's proposal uses the random stream (study seed, n), and the sampler sees finished trials in
// trial-number order, so one seed gives one sequence of trials. An objective that throws, or returns
// NaN or infinity, fails its trial with the message and the study goes on; samplers never see failed
// values. ask/tell/report may be called from several threads (one lock; a sampler's ask runs under it).
//
// With a storage (a journal: storage/journal.hpp) every change is written through it, under its
// lock: the study opens (or resumes) the trials stored under its name, sees trials that other
// processes add, and hands out trial numbers that no other process has. A trial left running by a
// worker that is gone is rerun in place (same number, config and seed) by the next ask(), up to
// max_attempts times, or failed (options.interrupted): so a study killed and resumed proposes the
// same configs as one never interrupted.
//
// In parallel (optimize with run_options::jobs = N, threads of one process) trial n is proposed from
// the results of trials 0 .. n-1-lag only; the `lag` trials just before it are pending to the
// sampler (ctx.pending) whatever their state, and a worker waits before asking trial n until this
// run's trials below n - lag have finished. So the trials, and with a deterministic objective their
// results, depend on (seed, lag) and never on N or on timing. lag is study_options::lag, by default
// N - 1 for a run (0 for ask/tell): fix it (e.g. lag = 3) to get the same study with any N; a run
// with N > lag + 1 then waits more. See docs/guides/parallel.md.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/blas.hpp"
#include "../core/errors.hpp"
#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "../core/type_list.hpp"
#include "../pruners/none.hpp"
#include "../pruners/pruner.hpp"
#include "../samplers/random.hpp"
#include "../samplers/sampler.hpp"
#include "../space/choice.hpp"
#include "../space/conditional.hpp"
#include "../space/config_text.hpp"
#include "../space/search_space.hpp"
#include "../storage/backend.hpp"
#include "../storage/optuna_params.hpp"
#include "dimensions.hpp"
#include "run_options.hpp"
#include "trial.hpp"

namespace htune::tune {

// What happens to a trial whose worker is gone (killed, crashed) when a study finds it.
enum class interrupted_trials { rerun, fail };

struct study_options {
    direction goal = direction::minimize;
    std::uint64_t seed = 0;
    std::string name = "htune"; // the study's name in a storage
    interrupted_trials interrupted = interrupted_trials::rerun;
    std::uint64_t max_attempts = 3; // runs of one trial before it fails for good
    // Trial n is proposed without the results of trials n-lag .. n-1 (see the top). Unset: the
    // run's jobs - 1, so a sequential study sees every result before each ask.
    std::optional<std::uint64_t> lag = std::nullopt;
};

// Thrown by an objective (or by trial::prune()) to stop its trial early: the trial becomes pruned.
class trial_pruned : public std::exception {
public:
    char const* what() const noexcept override { return "htune::tune::trial_pruned"; }
};

namespace detail {
template <class Param>
inline constexpr bool is_categorical_param = false;
template <fixed_string N, class... A>
inline constexpr bool is_categorical_param<choice<N, A...>> = true;
template <fixed_string N, fixed_string... O>
inline constexpr bool is_categorical_param<choice_of<N, O...>> = true;
template <class Param, class Cond>
inline constexpr bool is_categorical_param<conditional<Param, Cond>> = is_categorical_param<Param>;

// Instantiated only for a sampler that cannot take the space: the diagnostic names the param. A
// function, not a class, so that the failed assertion leaves nothing else broken.
template <fixed_string Param>
void sampler_takes_no_categorical_param() {
    static_assert(htune::detail::always_false_name<Param>,
                  "htune::tune::study: the sampler works on numbers only (CMA-ES), but the space has a choice "
                  "(see sampler_takes_no_categorical_param<Param> above); use samplers::tpe<>, gp<>, random or "
                  "sobol, or make the param numeric");
}

template <class Sampler, class Space>
struct sampler_fits;
template <class Sampler, class... P>
struct sampler_fits<Sampler, search_space<P...>> {
    static constexpr std::size_t first_categorical = [] {
        constexpr bool hits[] = {is_categorical_param<P>..., false};
        std::size_t k = 0;
        while (k < sizeof...(P) && !hits[k]) ++k;
        return k;
    }();
    static constexpr bool value = samplers::supports_categorical<Sampler>() || first_categorical == sizeof...(P);
    static void report() {
        if constexpr (!value)
            sampler_takes_no_categorical_param<
                htune::detail::name_as_fixed_string<mp_at<type_list<P...>, first_categorical>>()>();
    }
};
} // namespace detail

template <class Space, class Sampler = samplers::random, class Pruner = pruners::none>
class study {
    static_assert(has_role<Sampler, role::sampler>,
                  "htune::tune::study<Space, Sampler>: Sampler is not a sampler; it needs `using htune_role = "
                  "htune::role::sampler;` (see docs/concepts/sampler.md)");
    static_assert(concepts::sampler<Sampler>,
                  "htune::tune::study<Space, Sampler>: Sampler has no ask(samplers::ask_context const&, "
                  "std::span<double>) (see docs/concepts/sampler.md)");
    static_assert(has_role<Pruner, role::pruner>,
                  "htune::tune::study<Space, Sampler, Pruner>: Pruner is not a pruner; it needs `using htune_role = "
                  "htune::role::pruner;` (see docs/concepts/pruner.md)");
    static_assert(concepts::pruner<Pruner>,
                  "htune::tune::study<Space, Sampler, Pruner>: Pruner has no `bool should_prune(pruners::prune_context "
                  "const&) const` (see docs/concepts/pruner.md)");

public:
    using space_type = Space;
    using sampler_type = Sampler;
    using pruner_type = Pruner;
    using config = typename Space::config;
    using record = trial_record<config>;

    // What ask() hands out and an objective receives: the trial's number and config, and the way to
    // report intermediate values and attributes. Cheap to copy; valid while the study lives.
    class trial {
    public:
        std::uint64_t number() const noexcept { return m_number; }
        config const& params() const noexcept { return m_config; }
        template <fixed_string Name>
        auto get() const {
            return m_config.template get<Name>();
        }
        // A seed for the objective's own randomness (weight init, shuffling), from (study seed, number).
        std::uint64_t seed() const noexcept { return m_seed; }

        void report(std::uint64_t at_step, double value) const { m_study->report(*this, at_step, value); }
        void set_user_attr(std::string key, std::string value) const {
            m_study->set_user_attr(*this, std::move(key), std::move(value));
        }
        [[noreturn]] void prune() const { throw trial_pruned{}; }
        // The pruner's verdict on the last value reported: stop this trial (call prune()) or go on.
        //   t.report(epoch, accuracy);
        //   if (t.should_prune()) t.prune();
        bool should_prune() const { return m_study->should_prune(*this); }
        // Whether the run is being stopped (Ctrl-C): a long objective may poll it between steps;
        // report() throws trial_interrupted then.
        bool should_stop() const noexcept { return m_study->stopping(); }

    private:
        friend class study;
        trial(study* s, std::uint64_t number, config c, std::uint64_t seed, std::uint64_t visible_below)
            : m_study(s), m_number(number), m_config(std::move(c)), m_seed(seed), m_visible_below(visible_below) {}
        study* m_study;
        std::uint64_t m_number;
        config m_config;
        std::uint64_t m_seed;
        std::uint64_t m_visible_below; // the pruner compares with finished trials numbered below this
    };

    study()
        requires(std::is_default_constructible_v<Space> && std::is_default_constructible_v<Sampler>)
        : study(Space{}, Sampler{}, study_options{}) {}
    explicit study(study_options options)
        requires(std::is_default_constructible_v<Space> && std::is_default_constructible_v<Sampler>)
        : study(Space{}, Sampler{}, options) {}
    study(study_options options, std::unique_ptr<storage::backend> storage)
        requires(std::is_default_constructible_v<Space> && std::is_default_constructible_v<Sampler>)
        : study(Space{}, Sampler{}, std::move(options), std::move(storage)) {}
    explicit study(Space space, Sampler sampler = Sampler{}, study_options options = {},
                   std::unique_ptr<storage::backend> storage = nullptr, Pruner pruner = Pruner{})
        : m_space(std::move(space)), m_sampler(std::move(sampler)), m_pruner(std::move(pruner)),
          m_options(std::move(options)), m_dims(dimensions_of(m_space)), m_storage(std::move(storage)) {
        detail::sampler_fits<Sampler, Space>::report(); // a compile error when the sampler cannot take the space
        HTUNE_CHECK(m_options.max_attempts >= 1, "htune::tune::study: max_attempts must be at least 1, got ",
                    m_options.max_attempts);
        samplers::setup(m_sampler, std::span<samplers::dimension const>(m_dims));
        m_capacity = samplers::capacity(m_sampler, std::span<samplers::dimension const>(m_dims));
        if (m_storage) {
            storage::backend_lock lock(m_storage.get());
            m_storage->open({m_options.name, m_options.goal, storage::optuna_schema(m_space)});
            sync();
        }
    }

    study(study const&) = delete; // trials point back to their study
    study& operator=(study const&) = delete;

    Space const& space() const noexcept { return m_space; }
    Sampler const& sampler() const noexcept { return m_sampler; }
    Pruner const& pruner() const noexcept { return m_pruner; }
    study_options const& options() const noexcept { return m_options; }

    // The next trial: an enqueued config if any, otherwise the sampler's proposal.
    trial ask() {
        exclusive lock(*this);
        sync();
        return ask_synced(m_options.lag.value_or(0));
    }

    // Completes the trial with the objective's value; NaN or infinity fails it instead.
    void tell(trial const& t, double value) {
        exclusive lock(*this);
        record& r = running_record(t.number(), "tell");
        if (!std::isfinite(value)) {
            fail_locked(r, non_finite_message(value));
            return;
        }
        if (m_storage) m_storage->finish_trial(r.number, trial_state::complete, value, {});
        r.value = value;
        finish(r, trial_state::complete);
    }

    void fail(trial const& t, std::string message) {
        exclusive lock(*this);
        fail_locked(running_record(t.number(), "fail"), std::move(message));
    }

    // Stops the trial early; samplers rank it by its last intermediate value.
    void prune(trial const& t) {
        exclusive lock(*this);
        record& r = running_record(t.number(), "prune");
        if (m_storage)
            m_storage->finish_trial(
                r.number, trial_state::pruned,
                r.intermediate.empty() ? std::nullopt : std::optional<double>(r.intermediate.back().value), {});
        finish(r, trial_state::pruned);
    }

    // An intermediate value at a step (an epoch, a fold): what pruners judge. Non-finite values are refused.
    void report(trial const& t, std::uint64_t at_step, double value) {
        if (stopping()) throw trial_interrupted{};
        HTUNE_CHECK(std::isfinite(value), "htune::tune::study::report: trial ", t.number(), " step ", at_step,
                    ": value ", value, " is not finite");
        exclusive lock(*this);
        record& r = running_record(t.number(), "report");
        HTUNE_CHECK(r.intermediate.empty() || (r.intermediate.back().step) < at_step,
                    "htune::tune::study::report: trial ", t.number(), ": step ", at_step, " after step ",
                    r.intermediate.back().step, " (steps must increase)");
        if (m_storage) m_storage->report(r.number, at_step, value);
        r.intermediate.push_back({at_step, value});
        r.prune_advised = judge_locked(r, t.m_visible_below);
        if (m_progress) m_progress->reported(r.number, at_step, value);
    }

    // The pruner's verdict on the trial's last reported value (false before any report).
    bool should_prune(trial const& t) const {
        std::lock_guard lock(m_mutex);
        auto const it = t.number() < m_trials.size() ? &m_trials[t.number()] : nullptr;
        HTUNE_CHECK(it && it->state == trial_state::running, "htune::tune::study::should_prune: trial ", t.number(),
                    " is not running");
        return it->prune_advised;
    }

    void set_user_attr(trial const& t, std::string key, std::string value) {
        exclusive lock(*this);
        record& r = running_record(t.number(), "set_user_attr");
        if (m_storage) m_storage->set_user_attr(r.number, key, value);
        r.user_attrs.insert_or_assign(std::move(key), std::move(value));
    }

    // Queues a config to be tried next (warm start); checked against the space.
    void enqueue(config c) {
        HTUNE_CHECK(m_space.contains(c), "htune::tune::study::enqueue: ", to_string(c), " is not in the space ",
                    m_space.describe());
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(c));
    }
    void enqueue(std::string_view text) { enqueue(parse_config<Space>(text)); }

    // Runs up to n_trials trials of objective(trial&) -> number; stops early at the timeout (no trial
    // starts after it), when the sampler has no points left, or as `run` says (failures, Ctrl-C).
    // With run.jobs > 1 the objective is called from that many threads at once, so it must be safe
    // to call concurrently. Returns the number of trials run (a retried trial counts once).
    template <class Objective>
    std::uint64_t optimize(Objective&& objective, std::uint64_t n_trials, run_options const& run) {
        check_objective<Objective>();
        return execute(objective, run, n_trials, false,
                       [n_trials](study&, std::uint64_t started) { return started < n_trials; });
    }
    template <class Objective>
    std::uint64_t optimize(Objective&& objective, std::uint64_t n_trials,
                           std::optional<std::chrono::duration<double>> timeout = std::nullopt) {
        return optimize(std::forward<Objective>(objective), n_trials, run_options{.timeout = timeout});
    }

    // Runs trials until the study (with a storage: all its workers together) has `complete_trials`
    // complete ones, counting trials still running elsewhere as if they will complete; stops early as
    // optimize() does. This is how a resumed study goes on to its target. Returns the number of
    // trials run here.
    template <class Objective>
    std::uint64_t optimize_until(Objective&& objective, std::uint64_t complete_trials, run_options const& run) {
        check_objective<Objective>();
        return execute(objective, run, complete_trials, true, [complete_trials](study& s, std::uint64_t) {
            // Called under both locks, after sync(): counting and creating the trial are one step.
            std::uint64_t const reruns = s.m_reruns.size();
            std::uint64_t const counted =
                s.count_locked(trial_state::complete) + s.count_locked(trial_state::running) - reruns;
            return counted < complete_trials;
        });
    }
    template <class Objective>
    std::uint64_t optimize_until(Objective&& objective, std::uint64_t complete_trials,
                                 std::optional<std::chrono::duration<double>> timeout = std::nullopt) {
        return optimize_until(std::forward<Objective>(objective), complete_trials, run_options{.timeout = timeout});
    }

    // Whether the last optimize() was stopped by Ctrl-C (with on_sigint::stop).
    bool interrupted() const noexcept { return m_interrupted.load(); }

    // Whether a run is being stopped by Ctrl-C: what trial::should_stop() says.
    bool stopping() const noexcept {
        return m_stopping.load(std::memory_order_relaxed) ||
               (m_sigint_runs.load(std::memory_order_relaxed) > 0 && detail::sigint_scope::received());
    }

    // Counts, the best trial and where the study is stored: what Ctrl-C prints.
    void print_summary(std::ostream& out) const {
        std::lock_guard lock(m_mutex);
        out << "htune: study \"" << m_options.name << "\": " << m_trials.size() << " trials ("
            << count_locked(trial_state::complete) << " complete, " << count_locked(trial_state::pruned) << " pruned, "
            << count_locked(trial_state::failed) << " failed, " << count_locked(trial_state::running) << " running)\n";
        if (record const* b = best_locked())
            out << "htune: best value " << b->value << " at trial " << b->number << ": " << to_string(b->config)
                << "\n";
        if (m_storage)
            out << "htune: the storage keeps every finished trial; opening the study on it again resumes it\n";
    }

    // Whether ask() can give another trial.
    bool has_next() const {
        std::lock_guard lock(m_mutex);
        return !m_reruns.empty() || !m_queue.empty() || !sampler_exhausted();
    }

    // The storage's view, brought up to date: trials other workers added or finished.
    void refresh() {
        exclusive lock(*this);
        sync();
    }

    // The complete trial with the best value (the earliest among equals).
    record const& best() const {
        std::lock_guard lock(m_mutex);
        record const* best = best_locked();
        HTUNE_CHECK(best != nullptr, "htune::tune::study::best: no trial has completed yet (", m_trials.size(),
                    " trials, ", count_locked(trial_state::failed), " failed)");
        return *best;
    }
    double best_value() const { return best().value; }
    config const& best_config() const { return best().config; }

    // Every trial so far, by number. Read it when no other thread is changing the study.
    std::vector<record> const& trials() const noexcept { return m_trials; }
    std::size_t count(trial_state s) const {
        std::lock_guard lock(m_mutex);
        return count_locked(s);
    }

private:
    // The study's mutex, then the storage's lock: every change to trials holds both, in this order.
    struct exclusive {
        explicit exclusive(study& s) : thread_lock(s.m_mutex), storage_lock(s.m_storage.get()) {}
        std::lock_guard<std::mutex> thread_lock;
        storage::backend_lock storage_lock;
    };

    record const* best_locked() const {
        record const* best = nullptr;
        for (auto const& r : m_trials)
            if (r.state == trial_state::complete && (!best || better(r.value, best->value))) best = &r;
        return best;
    }

    template <class Objective>
    static constexpr void check_objective() {
        static_assert(std::is_invocable_v<Objective&, trial&>,
                      "htune::tune::study::optimize: the objective must be callable as objective(trial&) "
                      "(a generic lambda `[](auto& t) { ... }` works)");
        if constexpr (std::is_invocable_v<Objective&, trial&>)
            static_assert(std::is_convertible_v<std::invoke_result_t<Objective&, trial&>, double>,
                          "htune::tune::study::optimize: the objective must return a number");
    }

    // What the workers of one optimize() call share, under m_mutex.
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
        std::exception_ptr error;        // rethrown by optimize() once the workers are done
    };

    template <class Objective, class More>
    std::uint64_t execute(Objective& objective, run_options const& options, std::uint64_t target,
                          bool target_is_complete, More more) {
        HTUNE_CHECK(options.jobs >= 1, "htune::tune::study::optimize: run_options::jobs must be at least 1, got ",
                    options.jobs);
        run_state rs;
        rs.options = &options;
        rs.lag = m_options.lag.value_or(options.jobs - 1);
        if (options.timeout)
            rs.deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(*options.timeout);
        {
            // Trials on several threads share the cores: one BLAS thread each, unless told otherwise.
            std::optional<scoped_blas_threads> blas;
            if (options.blas_threads > 0) blas.emplace(options.blas_threads);
            else if (options.jobs > 1) blas.emplace(1);
            detail::sigint_scope sigint(options.sigint);
            if (sigint.active()) ++m_sigint_runs;
            m_stopping = false;
            m_interrupted = false;
            detail::progress_printer printer(options.progress, options.progress_to, target, target_is_complete,
                                             rs.deadline, options.verbose);
            {
                std::lock_guard lock(m_mutex);
                m_progress = printer.active() ? &printer : nullptr;
            }
            auto const worker = [&] { work(objective, rs, more); };
            if (options.jobs == 1) {
                worker();
            } else {
                std::vector<std::jthread> threads;
                threads.reserve(options.jobs);
                try {
                    for (std::size_t i = 0; i < options.jobs; ++i) threads.emplace_back(worker);
                } catch (...) {
                    std::lock_guard lock(m_mutex);
                    rs.stop = true;
                    if (!rs.error) rs.error = std::current_exception();
                }
            } // the threads are joined here
            {
                std::lock_guard lock(m_mutex);
                m_progress = nullptr;
            }
            printer.finish();
            if (sigint.active()) --m_sigint_runs;
            m_stopping = false;
        } // the previous SIGINT handler is back
        if (rs.interrupted) {
            m_interrupted = true;
            std::cerr << "htune: interrupted by SIGINT; the running trials were marked failed\n";
            print_summary(std::cerr);
            if (options.sigint == on_sigint::stop_and_raise) std::raise(SIGINT);
        }
        if (rs.error) std::rethrow_exception(rs.error);
        return rs.started;
    }

    template <class Objective, class More>
    void work(Objective& objective, run_state& rs, More& more) {
        try {
            while (std::optional<trial> t = next_trial(rs, more)) run_trial(objective, *t, rs);
        } catch (...) {
            // The storage failed, or the sampler did: no further trial starts, optimize() rethrows.
            std::lock_guard lock(m_mutex);
            rs.stop = true;
            if (!rs.error) rs.error = std::current_exception();
            m_cv.notify_all();
        }
    }

    // Waits until trial n may be asked (this run's trials below n - lag have finished), then asks it.
    // When the target is met but some of this run's trials are still running, waits for them: one
    // may fail, and then another trial is needed.
    template <class More>
    std::optional<trial> next_trial(run_state& rs, More& more) {
        std::unique_lock lock(m_mutex);
        for (;;) {
            if (rs.stop) return std::nullopt;
            if (stopping()) {
                m_stopping = true;
                rs.interrupted = true;
                rs.stop = true;
                m_cv.notify_all();
                return std::nullopt;
            }
            if (rs.deadline && std::chrono::steady_clock::now() >= *rs.deadline) {
                rs.stop = true;
                m_cv.notify_all();
                return std::nullopt;
            }
            std::uint64_t const next = m_trials.size();
            std::uint64_t const cutoff = next > rs.lag ? next - rs.lag : 0;
            if (rs.running.empty() || *rs.running.begin() >= cutoff) {
                storage::backend_lock storage_lock(m_storage.get());
                sync();
                bool const exhausted = m_reruns.empty() && m_queue.empty() && sampler_exhausted();
                if (!exhausted && more(*this, rs.started)) {
                    trial t = ask_synced(rs.lag);
                    rs.running.insert(t.number());
                    ++rs.started;
                    return t;
                }
                if (exhausted || rs.running.empty()) {
                    rs.stop = true;
                    m_cv.notify_all();
                    return std::nullopt;
                }
            }
            m_cv.wait_for(lock, std::chrono::milliseconds(50)); // also polls Ctrl-C and the deadline
        }
    }

    // Runs the objective on one trial and records the outcome: complete, pruned or failed (retried
    // first when its exception is caught and retries are left).
    template <class Objective>
    void run_trial(Objective& objective, trial& t, run_state& rs) {
        run_options const& o = *rs.options;
        bool failed = false, interrupted = false;
        std::string message;
        std::exception_ptr error;
        for (std::uint64_t attempt = 1;; ++attempt) {
            try {
                double const value = static_cast<double>(objective(t));
                if (std::isfinite(value)) {
                    tell(t, value);
                } else {
                    failed = true;
                    message = non_finite_message(value);
                }
            } catch (trial_pruned const&) {
                prune(t);
            } catch (trial_interrupted const&) {
                failed = interrupted = true;
                message = "interrupted by SIGINT";
            } catch (std::exception const& e) {
                if (stopping()) {
                    failed = interrupted = true;
                    message = htune::detail::concat("interrupted by SIGINT (", e.what(), ")");
                } else {
                    bool const caught = !o.catches || o.catches(e);
                    if (caught && attempt <= o.retries) {
                        retry(t);
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
        if (failed) fail(t, message);

        std::lock_guard lock(m_mutex);
        rs.running.erase(t.number());
        ++rs.finished;
        if (m_progress) show_progress(t.number(), rs);
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
        m_cv.notify_all();
    }

    // The status line after a trial of a run ended (under the study's lock).
    void show_progress(std::uint64_t number, run_state const& rs) {
        record const& r = m_trials[number];
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
        detail::progress_state s;
        s.done = rs.finished;
        s.complete = count_locked(trial_state::complete);
        s.pruned = count_locked(trial_state::pruned);
        s.failed = count_locked(trial_state::failed);
        if (record const* best = best_locked()) {
            s.best = best->value;
            s.best_number = best->number;
            s.best_config = to_string(best->config);
        }
        m_progress->trial_done(number, outcome, s);
    }

    // Runs a trial again in place (same number, config and seed) after its objective threw.
    void retry(trial const& t) {
        exclusive lock(*this);
        record& r = running_record(t.number(), "retry");
        ++r.attempt;
        if (m_storage) m_storage->claim_trial(r.number, r.attempt);
        r.started = record::clock::now();
        r.intermediate.clear();
    }

    std::uint64_t trial_seed(std::uint64_t number) const noexcept {
        return rng::stream(m_options.seed, number, 0x0b1ec7u)();
    }

    bool sampler_exhausted() const noexcept { return m_capacity && m_sampled >= *m_capacity; }

    bool better(double a, double b) const noexcept { return m_options.goal == direction::minimize ? a < b : a > b; }

    std::size_t count_locked(trial_state s) const {
        return static_cast<std::size_t>(
            std::count_if(m_trials.begin(), m_trials.end(), [s](record const& r) { return r.state == s; }));
    }

    record& running_record(std::uint64_t number, char const* what) {
        HTUNE_CHECK(number < m_trials.size(), "htune::tune::study::", what, ": no trial ", number);
        record& r = m_trials[number];
        HTUNE_CHECK(r.state == trial_state::running, "htune::tune::study::", what, ": trial ", number, " is already ",
                    to_string(r.state));
        return r;
    }

    static std::string non_finite_message(double value) {
        return htune::detail::concat("the objective returned ", value);
    }

    void fail_locked(record& r, std::string message) {
        if (m_storage) m_storage->finish_trial(r.number, trial_state::failed, std::nullopt, message);
        r.message = std::move(message);
        finish(r, trial_state::failed);
    }

    void finish(record& r, trial_state s) {
        r.state = s;
        r.finished = record::clock::now();
        m_owned.erase(r.number);
    }

    // Heartbeats for the running trials of this study object, so that workers on other machines can
    // tell that it is alive. Started with the first trial it runs on a storage that wants them;
    // stopped and joined when the study is destroyed.
    void start_heartbeat() {
        if (m_heartbeat.joinable() || !m_storage) return;
        auto const interval = m_storage->heartbeat_interval();
        if (interval <= std::chrono::milliseconds{0}) return;
        m_heartbeat = std::jthread([this, interval](std::stop_token stop) {
            std::unique_lock lock(m_mutex);
            bool warned = false;
            for (;;) {
                m_heartbeat_cv.wait_for(lock, stop, interval, [] { return false; });
                if (stop.stop_requested()) return;
                if (m_owned.empty()) continue;
                std::vector<std::uint64_t> const numbers(m_owned.begin(), m_owned.end());
                try {
                    storage::backend_lock storage_lock(m_storage.get());
                    m_storage->heartbeat(numbers);
                } catch (std::exception const& e) {
                    // The trial's own next write will meet the same trouble and report it; say it once.
                    if (!warned) std::cerr << "htune: warning: cannot write a heartbeat: " << e.what() << '\n';
                    warned = true;
                }
            }
        });
    }

    // Reads what other workers wrote (under the storage's lock) and deals with trials whose worker is
    // gone: queued to be rerun here, or failed.
    void sync() {
        if (!m_storage) return;
        for (auto const& st : m_storage->poll()) apply_stored(st);
        for (auto& r : m_trials) {
            if (r.state != trial_state::running || m_owned.count(r.number)) continue;
            if (std::find(m_reruns.begin(), m_reruns.end(), r.number) != m_reruns.end()) continue;
            storage::stored_trial st;
            st.number = r.number;
            st.state = r.state;
            st.worker = r.worker;
            st.started = r.started;
            if (!m_storage->abandoned(st)) continue;
            if (m_options.interrupted == interrupted_trials::rerun && r.attempt < m_options.max_attempts) {
                m_reruns.push_back(r.number);
                continue;
            }
            r.message = htune::detail::concat("interrupted: its worker ", r.worker, " is gone (attempt ", r.attempt,
                                              " of ", m_options.max_attempts, ")");
            m_storage->finish_trial(r.number, trial_state::failed, std::nullopt, r.message);
            r.state = trial_state::failed;
            r.finished = record::clock::now();
        }
    }

    // A trial added or changed by another worker, as stored.
    void apply_stored(storage::stored_trial const& st) {
        HTUNE_CHECK(st.number <= m_trials.size(), "htune::tune::study: the storage skipped trial numbers (got ",
                    st.number, " after ", m_trials.size(), " trials)");
        if (st.number < m_trials.size() && m_owned.count(st.number)) return; // this worker's own trial
        std::string why;
        auto c = storage::config_of_optuna_values(m_space, std::span<std::optional<double> const>(st.params), why);
        if (!c)
            htune::detail::throw_error<journal_error>("htune::tune::study \"", m_options.name, "\": stored trial ",
                                                      st.number, " does not fit the space ", m_space.describe(), ": ",
                                                      why);
        if (st.number == m_trials.size()) {
            m_trials.emplace_back();
            if (!st.enqueued) ++m_sampled;
        }
        record& r = m_trials[st.number];
        r.number = st.number;
        r.state = st.state;
        place(r, std::move(*c));
        r.value = st.value.value_or(std::numeric_limits<double>::quiet_NaN());
        r.intermediate = st.intermediate;
        r.user_attrs = st.user_attrs;
        r.message = st.message;
        if (r.state == trial_state::complete && !std::isfinite(r.value)) {
            // Optuna completes trials with infinite values; samplers here never learn from those.
            r.state = trial_state::failed;
            r.message = htune::detail::concat("stored as complete with value ", r.value);
        }
        r.enqueued = st.enqueued;
        r.attempt = st.attempt;
        r.worker = st.worker;
        r.started = st.started;
        r.finished = st.finished.value_or(typename record::clock::time_point{});
    }

    // A record's config and its point in the unit cube (what samplers see), set together.
    void place(record& r, config c) const {
        r.config = std::move(c);
        auto const u = m_space.to_unit(r.config);
        r.unit.assign(u.begin(), u.end());
    }

    // ask() under both locks, after sync().
    trial ask_synced(std::uint64_t lag) {
        if (!m_reruns.empty()) return rerun(lag);
        std::uint64_t const number = m_trials.size();
        record r;
        r.number = number;
        r.started = record::clock::now();
        if (m_storage) r.worker = m_storage->worker();
        if (!m_queue.empty()) {
            place(r, std::move(m_queue.front()));
            m_queue.pop_front();
            r.enqueued = true;
        } else {
            HTUNE_CHECK(!sampler_exhausted(), "htune::tune::study::ask: the sampler has no points left (all ",
                        *m_capacity, " used)");
            build_view(number, lag);
            std::vector<double> point(Space::size, 0.5);
            rng g = rng::stream(m_options.seed, number);
            samplers::ask_context const ctx{std::span<samplers::dimension const>(m_dims),
                                            std::span<samplers::observation const>(m_history),
                                            std::span<std::uint64_t const>(m_failed),
                                            number,
                                            m_sampled,
                                            m_options.seed,
                                            &g,
                                            std::span<samplers::observation const>(m_pending)};
            m_sampler.ask(ctx, std::span<double>(point));
            for (std::size_t i = 0; i < point.size(); ++i)
                HTUNE_CHECK(!(point[i] < 0.0 || point[i] > 1.0), "htune::tune::study::ask: the sampler proposed ",
                            point[i], " for param \"", m_dims[i].name, "\", outside the unit interval");
            // The record keeps the config's own coordinates: snapped, and NaN where a param is absent.
            place(r, m_space.from_unit(std::span<double const, Space::size>(point.data(), Space::size)));
            ++m_sampled;
        }
        if (m_storage) {
            storage::stored_trial st;
            st.params = storage::optuna_values(m_space, r.config);
            st.enqueued = r.enqueued;
            st.started = r.started;
            std::uint64_t const stored = m_storage->create_trial(st);
            HTUNE_CHECK(stored == number, "htune::tune::study::ask: the storage numbered the new trial ", stored,
                        ", the study expected ", number);
        }
        m_trials.push_back(std::move(r));
        m_owned.insert(number);
        start_heartbeat();
        return trial(this, number, m_trials.back().config, trial_seed(number), number > lag ? number - lag : 0);
    }

    // Reruns a trial whose worker is gone, in place: same number, config and seed.
    trial rerun(std::uint64_t lag) {
        std::uint64_t const number = m_reruns.front();
        m_reruns.pop_front();
        record& r = m_trials[number];
        HTUNE_CHECK(r.state == trial_state::running, "htune::tune::study: trial ", number,
                    " to rerun is no longer running");
        ++r.attempt;
        m_storage->claim_trial(number, r.attempt);
        r.worker = m_storage->worker();
        r.started = record::clock::now();
        r.intermediate.clear();
        r.prune_advised = false;
        m_owned.insert(number);
        start_heartbeat();
        return trial(this, number, r.config, trial_seed(number), number > lag ? number - lag : 0);
    }

    // The pruner on a running trial's reported values, against the finished trials numbered below
    // `visible_below`: those the sampler saw when it proposed the trial, and finished since (the lag
    // rule), so the verdict does not depend on the number of jobs.
    bool judge_locked(record const& r, std::uint64_t visible_below) {
        if constexpr (requires { Pruner::never_prunes; }) {
            if constexpr (Pruner::never_prunes) return false;
        }
        m_prune_view.clear();
        for (auto const& other : m_trials) {
            if (other.number >= visible_below) break;
            if (other.state == trial_state::running) continue;
            m_prune_view.push_back(
                {other.number, other.state, std::span<intermediate_value const>(other.intermediate)});
        }
        pruners::prune_context const ctx{m_options.goal == direction::maximize, m_options.name, r.number,
                                         std::span<intermediate_value const>(r.intermediate),
                                         std::span<pruners::finished_trial const>(m_prune_view)};
        return static_cast<bool>(m_pruner.should_prune(ctx));
    }

    // What trial `number` may learn from: trials below number - lag that are complete (loss: the
    // value, negated when maximising) or pruned with a value; failed ones, and pruned ones without a
    // value, listed apart; the rest (running, or inside the lag window whatever their state) pending.
    void build_view(std::uint64_t number, std::uint64_t lag) {
        m_history.clear();
        m_failed.clear();
        m_pending.clear();
        std::uint64_t const cutoff = number > lag ? number - lag : 0;
        double const sign = m_options.goal == direction::minimize ? 1.0 : -1.0;
        for (auto const& r : m_trials) {
            if (r.number >= number) break;
            samplers::observation o;
            o.number = r.number;
            o.unit = std::span<double const>(r.unit);
            o.enqueued = r.enqueued;
            if (r.number >= cutoff || r.state == trial_state::running) {
                o.loss = std::numeric_limits<double>::quiet_NaN();
                m_pending.push_back(o);
            } else if (r.state == trial_state::complete) {
                o.loss = sign * r.value;
                m_history.push_back(o);
            } else if (r.state == trial_state::pruned && !r.intermediate.empty()) {
                o.loss = sign * r.intermediate.back().value;
                o.pruned = true;
                o.pruned_step = r.intermediate.back().step;
                m_history.push_back(o);
            } else {
                m_failed.push_back(r.number);
            }
        }
    }

    Space m_space;
    Sampler m_sampler;
    Pruner m_pruner;
    study_options m_options;
    std::vector<samplers::dimension> m_dims;
    std::optional<std::uint64_t> m_capacity;

    std::unique_ptr<storage::backend> m_storage; // null: in memory only

    mutable std::mutex m_mutex;
    std::vector<record> m_trials;
    std::set<std::uint64_t> m_owned;    // running trials this study object runs
    std::deque<std::uint64_t> m_reruns; // running trials of gone workers, to rerun here
    std::deque<config> m_queue;
    std::uint64_t m_sampled = 0;
    std::vector<samplers::observation> m_history; // the sampler's view, rebuilt for each ask
    std::vector<std::uint64_t> m_failed;
    std::vector<samplers::observation> m_pending;
    std::vector<pruners::finished_trial> m_prune_view; // rebuilt for each report
    detail::progress_printer* m_progress = nullptr;    // the running optimize()'s status line, if shown
    std::condition_variable m_cv;                      // a run's trial finished, or the run stops
    std::atomic<int> m_sigint_runs{0};
    std::atomic<bool> m_stopping{false};
    std::atomic<bool> m_interrupted{false};
    std::condition_variable_any m_heartbeat_cv; // only woken by the stop request
    std::jthread m_heartbeat;                   // last: stopped and joined before the rest goes
};

} // namespace htune::tune
