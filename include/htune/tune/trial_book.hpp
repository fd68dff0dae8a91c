#pragma once
// What a study knows of its trials, kept in step with its storage: the records by number, which of
// them this study object runs, the trials of gone workers to rerun here, and the link to the
// storage (a journal) with what it reads back from other workers. The study holds one, under its
// lock; everything here runs under that lock (and the storage's, where it writes).
//
// With a storage (a journal: storage/journal.hpp) every change is written through it, under its
// lock: the study opens (or resumes) the trials stored under its name, sees trials that other
// processes add, and hands out trial numbers that no other process has. A trial left running by a
// worker that is gone is rerun in place (same number, config and seed) by the next ask(), up to
// max_attempts times, or failed (options.interrupted): so a study killed and resumed proposes the
// same configs as one never interrupted.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "../core/trials.hpp"
#include "../space/config_text.hpp"
#include "../storage/backend.hpp"
#include "../storage/optuna_params.hpp"
#include "study_options.hpp"
#include "trial.hpp"

namespace htune::tune::detail {

template <class Space>
struct trial_book {
    using config = typename Space::config;
    using record = trial_record<config>;

    std::vector<record> trials;
    std::set<std::uint64_t> owned;             // running trials this study object runs
    std::deque<std::uint64_t> reruns;          // running trials of gone workers, to rerun here
    std::uint64_t sampled = 0;                 // trials the sampler proposed (here or elsewhere)
    std::unique_ptr<storage::backend> storage; // null: in memory only

    // The complete trial with the best value (the earliest among equals).
    record const* best(direction goal) const {
        record const* best = nullptr;
        for (auto const& r : trials)
            if (r.state == trial_state::complete &&
                (!best || (goal == direction::minimize ? r.value < best->value : r.value > best->value)))
                best = &r;
        return best;
    }

    std::size_t count(trial_state s) const {
        return static_cast<std::size_t>(
            std::count_if(trials.begin(), trials.end(), [s](record const& r) { return r.state == s; }));
    }

    // A running trial, or an error naming the call (`what`) and why not.
    record& running(std::uint64_t number, char const* what) {
        HTUNE_CHECK(number < trials.size(), "htune::tune::study::", what, ": no trial ", number);
        record& r = trials[number];
        HTUNE_CHECK(r.state == trial_state::running, "htune::tune::study::", what, ": trial ", number, " is already ",
                    to_string(r.state));
        return r;
    }

    // Fails a trial, in the storage too.
    void fail(record& r, std::string message) {
        if (storage) storage->finish_trial(r.number, trial_state::failed, std::nullopt, message);
        r.message = std::move(message);
        finish(r, trial_state::failed);
    }

    void finish(record& r, trial_state s) {
        r.state = s;
        r.finished = record::clock::now();
        owned.erase(r.number);
    }

    // Reads what other workers wrote (under the storage's lock) and deals with trials whose worker is
    // gone: queued to be rerun here, or failed.
    void sync(Space const& space, study_options const& options) {
        if (!storage) return;
        for (auto const& st : storage->poll()) apply_stored(st, space, options);
        for (auto& r : trials) {
            if (r.state != trial_state::running || owned.count(r.number)) continue;
            if (std::find(reruns.begin(), reruns.end(), r.number) != reruns.end()) continue;
            storage::stored_trial st;
            st.number = r.number;
            st.state = r.state;
            st.worker = r.worker;
            st.started = r.started;
            if (!storage->abandoned(st)) continue;
            if (options.interrupted == interrupted_trials::rerun && r.attempt < options.max_attempts) {
                reruns.push_back(r.number);
                continue;
            }
            r.message = htune::detail::concat("interrupted: its worker ", r.worker, " is gone (attempt ", r.attempt,
                                              " of ", options.max_attempts, ")");
            storage->finish_trial(r.number, trial_state::failed, std::nullopt, r.message);
            r.state = trial_state::failed;
            r.finished = record::clock::now();
        }
    }

    // A trial added or changed by another worker, as stored.
    void apply_stored(storage::stored_trial const& st, Space const& space, study_options const& options) {
        HTUNE_CHECK(st.number <= trials.size(), "htune::tune::study: the storage skipped trial numbers (got ",
                    st.number, " after ", trials.size(), " trials)");
        if (st.number < trials.size() && owned.count(st.number)) return; // this worker's own trial
        std::string why;
        auto c = storage::config_of_optuna_values(space, std::span<std::optional<double> const>(st.params), why);
        if (!c)
            htune::detail::throw_error<journal_error>("htune::tune::study \"", options.name, "\": stored trial ",
                                                      st.number, " does not fit the space ", space.describe(), ": ",
                                                      why);
        if (st.number == trials.size()) {
            trials.emplace_back();
            if (!st.enqueued) ++sampled;
        }
        record& r = trials[st.number];
        r.number = st.number;
        r.state = st.state;
        place(r, std::move(*c), space);
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
    static void place(record& r, config c, Space const& space) {
        r.config = std::move(c);
        auto const u = space.to_unit(r.config);
        r.unit.assign(u.begin(), u.end());
    }
};

} // namespace htune::tune::detail
