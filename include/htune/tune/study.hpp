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

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "../core/fixed_string.hpp"
#include "../core/rng.hpp"
#include "../samplers/random.hpp"
#include "../samplers/sampler.hpp"
#include "../space/config_text.hpp"
#include "../storage/backend.hpp"
#include "../storage/optuna_params.hpp"
#include "dimensions.hpp"
#include "trial.hpp"

namespace htune::tune {

// What happens to a trial whose worker is gone (killed, crashed) when a study finds it.
enum class interrupted_trials { rerun, fail };

struct study_options {
    direction goal = direction::minimize;
    std::uint64_t seed = 0;
    std::string name = "htune";                          // the study's name in a storage
    interrupted_trials interrupted = interrupted_trials::rerun;
    std::uint64_t max_attempts = 3;                      // runs of one trial before it fails for good
};

// Thrown by an objective (or by trial::prune()) to stop its trial early: the trial becomes pruned.
class trial_pruned : public std::exception {
public:
    char const* what() const noexcept override { return "htune::tune::trial_pruned"; }
};

template <class Space, class Sampler = samplers::random>
class study {
    static_assert(has_role<Sampler, role::sampler>,
                  "htune::tune::study<Space, Sampler>: Sampler is not a sampler; it needs `using htune_role = "
                  "htune::role::sampler;` (see docs/concepts/sampler.md)");
    static_assert(concepts::sampler<Sampler>,
                  "htune::tune::study<Space, Sampler>: Sampler has no ask(samplers::ask_context const&, "
                  "std::span<double>) (see docs/concepts/sampler.md)");

public:
    using space_type = Space;
    using sampler_type = Sampler;
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

    private:
        friend class study;
        trial(study* s, std::uint64_t number, config c, std::uint64_t seed)
            : m_study(s), m_number(number), m_config(std::move(c)), m_seed(seed) {}
        study* m_study;
        std::uint64_t m_number;
        config m_config;
        std::uint64_t m_seed;
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
                   std::unique_ptr<storage::backend> storage = nullptr)
        : m_space(std::move(space)), m_sampler(std::move(sampler)), m_options(std::move(options)),
          m_dims(dimensions_of(m_space)), m_storage(std::move(storage)) {
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
    study_options const& options() const noexcept { return m_options; }

    // The next trial: an enqueued config if any, otherwise the sampler's proposal.
    trial ask() {
        exclusive lock(*this);
        sync();
        return ask_synced();
    }

    // Completes the trial with the objective's value; NaN or infinity fails it instead.
    void tell(trial const& t, double value) {
        if (!std::isfinite(value)) {
            fail(t, htune::detail::concat("the objective returned ", value));
            return;
        }
        exclusive lock(*this);
        record& r = running_record(t.number(), "tell");
        if (m_storage) m_storage->finish_trial(r.number, trial_state::complete, value, {});
        r.value = value;
        finish(r, trial_state::complete);
    }

    void fail(trial const& t, std::string message) {
        exclusive lock(*this);
        record& r = running_record(t.number(), "fail");
        if (m_storage) m_storage->finish_trial(r.number, trial_state::failed, std::nullopt, message);
        r.message = std::move(message);
        finish(r, trial_state::failed);
    }

    // Stops the trial early; samplers rank it by its last intermediate value.
    void prune(trial const& t) {
        exclusive lock(*this);
        record& r = running_record(t.number(), "prune");
        if (m_storage)
            m_storage->finish_trial(r.number, trial_state::pruned,
                                    r.intermediate.empty() ? std::nullopt
                                                           : std::optional<double>(r.intermediate.back().value),
                                    {});
        finish(r, trial_state::pruned);
    }

    // An intermediate value at a step (an epoch, a fold): what pruners judge. Non-finite values are refused.
    void report(trial const& t, std::uint64_t at_step, double value) {
        HTUNE_CHECK(std::isfinite(value), "htune::tune::study::report: trial ", t.number(), " step ", at_step,
                    ": value ", value, " is not finite");
        exclusive lock(*this);
        record& r = running_record(t.number(), "report");
        HTUNE_CHECK(r.intermediate.empty() || (r.intermediate.back().step) < at_step,
                    "htune::tune::study::report: trial ", t.number(), ": step ", at_step, " after step ",
                    r.intermediate.back().step, " (steps must increase)");
        if (m_storage) m_storage->report(r.number, at_step, value);
        r.intermediate.push_back({at_step, value});
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

    // Runs up to n_trials trials of objective(trial&) -> number, one after another; stops early at the
    // timeout (checked before each trial) or when the sampler has no points left. Returns the number run.
    template <class Objective>
    std::uint64_t optimize(Objective&& objective, std::uint64_t n_trials,
                           std::optional<std::chrono::duration<double>> timeout = std::nullopt) {
        static_assert(std::is_invocable_v<Objective&, trial&>,
                      "htune::tune::study::optimize: the objective must be callable as objective(trial&) "
                      "(a generic lambda `[](auto& t) { ... }` works)");
        using result = std::invoke_result_t<Objective&, trial&>;
        static_assert(std::is_convertible_v<result, double>,
                      "htune::tune::study::optimize: the objective must return a number");
        auto const start = std::chrono::steady_clock::now();
        std::uint64_t done = 0;
        for (; done < n_trials; ++done) {
            if (timeout && std::chrono::steady_clock::now() - start >= *timeout) break;
            if (!has_next()) break;
            trial t = ask();
            run_one(objective, t);
        }
        return done;
    }

    // Runs trials until the study (with a storage: all its workers together) has `complete_trials`
    // complete ones, counting trials still running elsewhere as if they will complete; stops early at
    // the timeout or when the sampler has no points left. This is how a resumed study goes on to its
    // target. Returns the number of trials run here.
    template <class Objective>
    std::uint64_t optimize_until(Objective&& objective, std::uint64_t complete_trials,
                                 std::optional<std::chrono::duration<double>> timeout = std::nullopt) {
        auto const start = std::chrono::steady_clock::now();
        std::uint64_t done = 0;
        for (;;) {
            if (timeout && std::chrono::steady_clock::now() - start >= *timeout) break;
            std::optional<trial> t;
            {
                // Counting and creating the trial under one lock: no other worker slips in between.
                exclusive lock(*this);
                sync();
                std::uint64_t const reruns = m_reruns.size();
                std::uint64_t const counted = count_locked(trial_state::complete) +
                                              count_locked(trial_state::running) - reruns;
                if (counted >= complete_trials) break;
                if (reruns == 0 && m_queue.empty() && sampler_exhausted()) break;
                t.emplace(ask_synced());
            }
            run_one(objective, *t);
            ++done;
        }
        return done;
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
        record const* best = nullptr;
        for (auto const& r : m_trials)
            if (r.state == trial_state::complete && (!best || better(r.value, best->value))) best = &r;
        HTUNE_CHECK(best != nullptr, "htune::tune::study::best: no trial has completed yet (",
                    m_trials.size(), " trials, ", count_locked(trial_state::failed), " failed)");
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

    std::uint64_t trial_seed(std::uint64_t number) const noexcept {
        return rng::stream(m_options.seed, number, 0x0b1ec7u)();
    }

    bool sampler_exhausted() const noexcept { return m_capacity && m_sampled >= *m_capacity; }

    bool better(double a, double b) const noexcept {
        return m_options.goal == direction::minimize ? a < b : a > b;
    }

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

    void finish(record& r, trial_state s) {
        r.state = s;
        r.finished = record::clock::now();
        m_owned.erase(r.number);
        --m_running;
        m_history_dirty = true;
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
            m_history_dirty = true;
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
                                                      st.number, " does not fit the space ", m_space.describe(),
                                                      ": ", why);
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
        m_history_dirty = true;
    }

    // A record's config and its point in the unit cube (what samplers see), set together.
    void place(record& r, config c) const {
        r.config = std::move(c);
        auto const u = m_space.to_unit(r.config);
        r.unit.assign(u.begin(), u.end());
    }

    // ask() under both locks, after sync().
    trial ask_synced() {
        if (!m_reruns.empty()) return rerun();
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
            refresh_history();
            std::vector<double> point(Space::size, 0.5);
            rng g = rng::stream(m_options.seed, number);
            samplers::ask_context const ctx{std::span<samplers::dimension const>(m_dims),
                                            std::span<samplers::observation const>(m_history),
                                            std::span<std::uint64_t const>(m_failed),
                                            number,
                                            m_sampled,
                                            m_options.seed,
                                            &g};
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
        ++m_running;
        return trial(this, number, m_trials.back().config, trial_seed(number));
    }

    // Reruns a trial whose worker is gone, in place: same number, config and seed.
    trial rerun() {
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
        m_owned.insert(number);
        ++m_running;
        return trial(this, number, r.config, trial_seed(number));
    }

    // The sampler's view, rebuilt after trials finish: observations in number order with losses
    // (negated values when maximising); failed trials, and pruned ones without a value, listed apart.
    void refresh_history() {
        if (!m_history_dirty) return;
        m_history.clear();
        m_failed.clear();
        double const sign = m_options.goal == direction::minimize ? 1.0 : -1.0;
        for (auto const& r : m_trials) {
            samplers::observation o;
            o.number = r.number;
            o.unit = std::span<double const>(r.unit);
            o.enqueued = r.enqueued;
            if (r.state == trial_state::complete) {
                o.loss = sign * r.value;
            } else if (r.state == trial_state::pruned && !r.intermediate.empty()) {
                o.loss = sign * r.intermediate.back().value;
                o.pruned = true;
                o.pruned_step = r.intermediate.back().step;
            } else {
                if (r.state != trial_state::running) m_failed.push_back(r.number);
                continue;
            }
            m_history.push_back(o);
        }
        m_history_dirty = false;
    }

    template <class Objective>
    void run_one(Objective& objective, trial& t) {
        double value = 0.0;
        try {
            value = static_cast<double>(objective(t));
        } catch (trial_pruned const&) {
            prune(t);
            return;
        } catch (std::exception const& e) {
            fail(t, e.what());
            return;
        } catch (...) {
            fail(t, "the objective threw an exception that is not a std::exception");
            throw;
        }
        tell(t, value);
    }

    Space m_space;
    Sampler m_sampler;
    study_options m_options;
    std::vector<samplers::dimension> m_dims;
    std::optional<std::uint64_t> m_capacity;

    std::unique_ptr<storage::backend> m_storage; // null: in memory only

    mutable std::mutex m_mutex;
    std::vector<record> m_trials;
    std::set<std::uint64_t> m_owned;   // running trials this study object runs
    std::deque<std::uint64_t> m_reruns; // running trials of gone workers, to rerun here
    std::deque<config> m_queue;
    std::uint64_t m_sampled = 0;
    std::uint64_t m_running = 0;
    std::vector<samplers::observation> m_history;
    std::vector<std::uint64_t> m_failed;
    bool m_history_dirty = true;
};

} // namespace htune::tune
