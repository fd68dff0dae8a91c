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
// With a storage (a journal) the study resumes and shares its trials with other processes
// (trial_book.hpp). optimize() runs trials on an executor (exec/: threads by default, MPI ranks, or
// the user's); the lag rule makes a parallel run reproducible (study_run.hpp,
// docs/guides/parallel.md).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/blas.hpp"
#include "../core/errors.hpp"
#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "../core/type_list.hpp"
#include "../core/work.hpp"
#include "../exec/threads.hpp"
#include "../pruners/none.hpp"
#include "../pruners/pruner.hpp"
#include "../samplers/random.hpp"
#include "../samplers/sampler.hpp"
#include "../space/choice.hpp"
#include "../space/conditional.hpp"
#include "../space/config_text.hpp"
#include "../space/search_space.hpp"
#include "../storage/backend.hpp"
#include "../storage/heartbeat.hpp"
#include "../storage/optuna_params.hpp"
#include "dimensions.hpp"
#include "run_options.hpp"
#include "study_options.hpp"
#include "study_run.hpp"
#include "study_trial.hpp"
#include "trial.hpp"
#include "trial_book.hpp"
#include "trial_views.hpp"

namespace htune::tune {

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

    // What ask() hands out and an objective receives (study_trial.hpp).
    using trial = detail::study_trial<config, study>;

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
          m_options(std::move(options)), m_dims(dimensions_of(m_space)) {
        m_book.storage = std::move(storage);
        detail::sampler_fits<Sampler, Space>::report(); // a compile error when the sampler cannot take the space
        HTUNE_CHECK(m_options.max_attempts >= 1, "htune::tune::study: max_attempts must be at least 1, got ",
                    m_options.max_attempts);
        samplers::setup(m_sampler, std::span<samplers::dimension const>(m_dims));
        m_capacity = samplers::capacity(m_sampler, std::span<samplers::dimension const>(m_dims));
        if (m_book.storage) {
            storage::backend_lock lock(m_book.storage.get());
            m_book.storage->open({m_options.name, m_options.goal, storage::optuna_schema(m_space)});
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
        record& r = m_book.running(t.number(), "tell");
        if (!std::isfinite(value)) {
            m_book.fail(r, non_finite_message(value));
            return;
        }
        if (m_book.storage) m_book.storage->finish_trial(r.number, trial_state::complete, value, {});
        r.value = value;
        m_book.finish(r, trial_state::complete);
    }

    void fail(trial const& t, std::string message) {
        exclusive lock(*this);
        m_book.fail(m_book.running(t.number(), "fail"), std::move(message));
    }

    // Stops the trial early; samplers rank it by its last intermediate value.
    void prune(trial const& t) {
        exclusive lock(*this);
        record& r = m_book.running(t.number(), "prune");
        if (m_book.storage)
            m_book.storage->finish_trial(
                r.number, trial_state::pruned,
                r.intermediate.empty() ? std::nullopt : std::optional<double>(r.intermediate.back().value), {});
        m_book.finish(r, trial_state::pruned);
    }

    // An intermediate value at a step (an epoch, a fold): what pruners judge. Non-finite values are refused.
    void report(trial const& t, std::uint64_t at_step, double value) {
        if (stopping()) throw trial_interrupted{};
        HTUNE_CHECK(std::isfinite(value), "htune::tune::study::report: trial ", t.number(), " step ", at_step,
                    ": value ", value, " is not finite");
        exclusive lock(*this);
        record& r = m_book.running(t.number(), "report");
        HTUNE_CHECK(r.intermediate.empty() || (r.intermediate.back().step) < at_step,
                    "htune::tune::study::report: trial ", t.number(), ": step ", at_step, " after step ",
                    r.intermediate.back().step, " (steps must increase)");
        if (m_book.storage) m_book.storage->report(r.number, at_step, value);
        r.intermediate.push_back({at_step, value});
        r.prune_advised = judge_locked(r, t.m_visible_below);
        if (m_progress) m_progress->reported(r.number, at_step, value);
    }

    // The pruner's verdict on the trial's last reported value (false before any report).
    bool should_prune(trial const& t) const {
        std::lock_guard lock(m_mutex);
        auto const it = t.number() < m_book.trials.size() ? &m_book.trials[t.number()] : nullptr;
        HTUNE_CHECK(it && it->state == trial_state::running, "htune::tune::study::should_prune: trial ", t.number(),
                    " is not running");
        return it->prune_advised;
    }

    void set_user_attr(trial const& t, std::string key, std::string value) {
        exclusive lock(*this);
        record& r = m_book.running(t.number(), "set_user_attr");
        if (m_book.storage) m_book.storage->set_user_attr(r.number, key, value);
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
    // With run.jobs > 1 the objective is called from that many threads at once (exec::threads), so
    // it must be safe to call concurrently. Returns the number of trials run (a retried trial counts
    // once). With an executor (exec/: threads, MPI ranks, or the user's) the trials run where it
    // puts them, as many at once as its concurrency() says.
    template <class Objective>
    std::uint64_t optimize(Objective&& objective, std::uint64_t n_trials, run_options const& run) {
        return optimize(objective, n_trials, run, default_executor(run));
    }
    template <class Objective>
    std::uint64_t optimize(Objective&& objective, std::uint64_t n_trials,
                           std::optional<std::chrono::duration<double>> timeout = std::nullopt) {
        return optimize(std::forward<Objective>(objective), n_trials, run_options{.timeout = timeout});
    }
    template <class Objective, class Executor>
    std::uint64_t optimize(Objective&& objective, std::uint64_t n_trials, run_options const& run, Executor&& executor) {
        check_objective<Objective>();
        if constexpr (executor_ok<Executor>)
            return detail::run_study(*this, objective, run, executor, n_trials, false,
                                     [n_trials](study&, std::uint64_t started) { return started < n_trials; });
        else return 0;
    }

    // Runs trials until the study (with a storage: all its workers together) has `complete_trials`
    // complete ones, counting trials still running elsewhere as if they will complete; stops early as
    // optimize() does. This is how a resumed study goes on to its target. Returns the number of
    // trials run here.
    template <class Objective>
    std::uint64_t optimize_until(Objective&& objective, std::uint64_t complete_trials, run_options const& run) {
        return optimize_until(objective, complete_trials, run, default_executor(run));
    }
    template <class Objective>
    std::uint64_t optimize_until(Objective&& objective, std::uint64_t complete_trials,
                                 std::optional<std::chrono::duration<double>> timeout = std::nullopt) {
        return optimize_until(std::forward<Objective>(objective), complete_trials, run_options{.timeout = timeout});
    }
    template <class Objective, class Executor>
    std::uint64_t optimize_until(Objective&& objective, std::uint64_t complete_trials, run_options const& run,
                                 Executor&& executor) {
        check_objective<Objective>();
        if constexpr (executor_ok<Executor>)
            return detail::run_study(*this, objective, run, executor, complete_trials, true,
                                     [complete_trials](study& s, std::uint64_t) {
                                         // Called under both locks, after sync(): counting and creating
                                         // the trial are one step.
                                         std::uint64_t const reruns = s.m_book.reruns.size();
                                         std::uint64_t const counted = s.count_locked(trial_state::complete) +
                                                                       s.count_locked(trial_state::running) - reruns;
                                         return counted < complete_trials;
                                     });
        else return 0;
    }

    // Whether the last optimize() was stopped by Ctrl-C (with on_sigint::stop).
    bool interrupted() const noexcept { return m_interrupted.load(); }

    // Whether a run is being stopped by Ctrl-C: what trial::should_stop() says.
    bool stopping() const noexcept {
        return m_stopping.load(std::memory_order_relaxed) ||
               (m_sigint_runs.load(std::memory_order_relaxed) > 0 && exec::detail::sigint_scope::received());
    }

    // Counts, the best trial and where the study is stored: what Ctrl-C prints.
    void print_summary(std::ostream& out) const {
        std::lock_guard lock(m_mutex);
        out << "htune: study \"" << m_options.name << "\": " << m_book.trials.size() << " trials ("
            << count_locked(trial_state::complete) << " complete, " << count_locked(trial_state::pruned) << " pruned, "
            << count_locked(trial_state::failed) << " failed, " << count_locked(trial_state::running) << " running)\n";
        if (record const* b = best_locked())
            out << "htune: best value " << b->value << " at trial " << b->number << ": " << to_string(b->config)
                << "\n";
        if (m_book.storage)
            out << "htune: the storage keeps every finished trial; opening the study on it again resumes it\n";
    }

    // Whether ask() can give another trial.
    bool has_next() const {
        std::lock_guard lock(m_mutex);
        return !m_book.reruns.empty() || !m_queue.empty() || !sampler_exhausted();
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
        HTUNE_CHECK(best != nullptr, "htune::tune::study::best: no trial has completed yet (", m_book.trials.size(),
                    " trials, ", count_locked(trial_state::failed), " failed)");
        return *best;
    }
    double best_value() const { return best().value; }
    config const& best_config() const { return best().config; }

    // Every trial so far, by number. Read it when no other thread is changing the study.
    std::vector<record> const& trials() const noexcept { return m_book.trials; }
    std::size_t count(trial_state s) const {
        std::lock_guard lock(m_mutex);
        return count_locked(s);
    }

private:
    template <class, class, class>
    friend class detail::study_run;
    template <class S, class O, concepts::executor E, class M>
    friend std::uint64_t detail::run_study(S&, O&, run_options const&, E&, std::uint64_t, bool, M);

    // The study's mutex, then the storage's lock: every change to trials holds both, in this order.
    struct exclusive {
        explicit exclusive(study& s) : thread_lock(s.m_mutex), storage_lock(s.m_book.storage.get()) {}
        std::lock_guard<std::mutex> thread_lock;
        storage::backend_lock storage_lock;
    };

    template <class Objective>
    static constexpr void check_objective() {
        static_assert(std::is_invocable_v<Objective&, trial&>,
                      "htune::tune::study::optimize: the objective must be callable as objective(trial&) "
                      "(a generic lambda `[](auto& t) { ... }` works)");
        if constexpr (std::is_invocable_v<Objective&, trial&>)
            static_assert(std::is_convertible_v<std::invoke_result_t<Objective&, trial&>, double>,
                          "htune::tune::study::optimize: the objective must return a number");
    }

    // A variable, not a function, so that the assertion fires where the executor is passed, first.
    template <class Executor>
    static constexpr bool executor_ok = [] {
        static_assert(concepts::executor<std::remove_cvref_t<Executor>>,
                      "htune::tune::study::optimize: the executor needs `std::size_t concurrency() const` and a "
                      "`template <class Source> void run(Source&)` that takes trials with source.next() (see "
                      "core/concepts/executor.hpp and docs/guides/parallel.md)");
        return concepts::executor<std::remove_cvref_t<Executor>>;
    }();

    static exec::threads default_executor(run_options const& run) {
        HTUNE_CHECK(run.jobs >= 1, "htune::tune::study::optimize: run_options::jobs must be at least 1, got ",
                    run.jobs);
        return exec::threads(run.jobs);
    }

    // Runs a trial again in place (same number, config and seed) after its objective threw.
    void retry(trial const& t) {
        exclusive lock(*this);
        record& r = m_book.running(t.number(), "retry");
        ++r.attempt;
        if (m_book.storage) m_book.storage->claim_trial(r.number, r.attempt);
        r.started = record::clock::now();
        r.intermediate.clear();
    }

    std::uint64_t trial_seed(std::uint64_t number) const noexcept {
        return rng::stream(m_options.seed, number, 0x0b1ec7u)();
    }

    bool sampler_exhausted() const noexcept { return m_capacity && m_book.sampled >= *m_capacity; }

    std::size_t count_locked(trial_state st) const { return m_book.count(st); }
    record const* best_locked() const { return m_book.best(m_options.goal); }
    void sync() { m_book.sync(m_space, m_options); }

    static std::string non_finite_message(double value) {
        return htune::detail::concat("the objective returned ", value);
    }

    // ask() under both locks, after sync().
    trial ask_synced(std::uint64_t lag) {
        if (!m_book.reruns.empty()) return rerun(lag);
        std::uint64_t const number = m_book.trials.size();
        record r;
        r.number = number;
        r.started = record::clock::now();
        if (m_book.storage) r.worker = m_book.storage->worker();
        if (!m_queue.empty()) {
            m_book.place(r, std::move(m_queue.front()), m_space);
            m_queue.pop_front();
            r.enqueued = true;
        } else {
            HTUNE_CHECK(!sampler_exhausted(), "htune::tune::study::ask: the sampler has no points left (all ",
                        *m_capacity, " used)");
            m_views.build_sampler_view(m_book.trials, number, lag, m_options.goal);
            std::vector<double> point(Space::size, 0.5);
            rng g = rng::stream(m_options.seed, number);
            samplers::ask_context const ctx{std::span<samplers::dimension const>(m_dims),
                                            std::span<samplers::observation const>(m_views.history),
                                            std::span<std::uint64_t const>(m_views.failed),
                                            number,
                                            m_book.sampled,
                                            m_options.seed,
                                            &g,
                                            std::span<samplers::observation const>(m_views.pending)};
            m_sampler.ask(ctx, std::span<double>(point));
            for (std::size_t i = 0; i < point.size(); ++i)
                HTUNE_CHECK(!(point[i] < 0.0 || point[i] > 1.0), "htune::tune::study::ask: the sampler proposed ",
                            point[i], " for param \"", m_dims[i].name, "\", outside the unit interval");
            // The record keeps the config's own coordinates: snapped, and NaN where a param is absent.
            m_book.place(r, m_space.from_unit(std::span<double const, Space::size>(point.data(), Space::size)),
                         m_space);
            ++m_book.sampled;
        }
        if (m_book.storage) {
            storage::stored_trial st;
            st.params = storage::optuna_values(m_space, r.config);
            st.enqueued = r.enqueued;
            st.started = r.started;
            std::uint64_t const stored = m_book.storage->create_trial(st);
            HTUNE_CHECK(stored == number, "htune::tune::study::ask: the storage numbered the new trial ", stored,
                        ", the study expected ", number);
        }
        m_book.trials.push_back(std::move(r));
        m_book.owned.insert(number);
        m_heartbeat.start(m_book.storage.get(), m_mutex, m_book.owned);
        return trial(this, number, m_book.trials.back().config, trial_seed(number), number > lag ? number - lag : 0);
    }

    // Reruns a trial whose worker is gone, in place: same number, config and seed.
    trial rerun(std::uint64_t lag) {
        std::uint64_t const number = m_book.reruns.front();
        m_book.reruns.pop_front();
        record& r = m_book.trials[number];
        HTUNE_CHECK(r.state == trial_state::running, "htune::tune::study: trial ", number,
                    " to rerun is no longer running");
        ++r.attempt;
        m_book.storage->claim_trial(number, r.attempt);
        r.worker = m_book.storage->worker();
        r.started = record::clock::now();
        r.intermediate.clear();
        r.prune_advised = false;
        m_book.owned.insert(number);
        m_heartbeat.start(m_book.storage.get(), m_mutex, m_book.owned);
        return trial(this, number, r.config, trial_seed(number), number > lag ? number - lag : 0);
    }

    // The pruner on a running trial's reported values, against the finished trials numbered below
    // `visible_below`: those the sampler saw when it proposed the trial, and finished since (the lag
    // rule), so the verdict does not depend on the number of jobs.
    bool judge_locked(record const& r, std::uint64_t visible_below) {
        if constexpr (requires { Pruner::never_prunes; }) {
            if constexpr (Pruner::never_prunes) return false;
        }
        m_views.build_pruner_view(m_book.trials, visible_below);
        pruners::prune_context const ctx{m_options.goal == direction::maximize, m_options.name, r.number,
                                         std::span<intermediate_value const>(r.intermediate),
                                         std::span<pruners::finished_trial const>(m_views.finished)};
        return static_cast<bool>(m_pruner.should_prune(ctx));
    }

    Space m_space;
    Sampler m_sampler;
    Pruner m_pruner;
    study_options m_options;
    std::vector<samplers::dimension> m_dims;
    std::optional<std::uint64_t> m_capacity;

    mutable std::mutex m_mutex;
    detail::trial_book<Space> m_book; // the trials, kept in step with the storage
    std::deque<config> m_queue;
    detail::trial_views m_views; // what the sampler and the pruner see, rebuilt for each ask and report
    exec::detail::progress_printer* m_progress = nullptr; // the running optimize()'s status line, if shown
    std::condition_variable m_cv;                         // a run's trial finished, or the run stops
    std::atomic<int> m_sigint_runs{0};
    std::atomic<bool> m_stopping{false};
    std::atomic<bool> m_interrupted{false};
    storage::heartbeat m_heartbeat; // last: stopped and joined before the rest goes
};

} // namespace htune::tune
