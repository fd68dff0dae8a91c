#pragma once
// tuner<Space, Options...>: a whole tuning pipeline as one type.
//
//   using pipeline = tune::tuner<space, samplers::tpe<>, pruners::hyperband,
//                                train::trainer<model, hp<"optimizer">, train::learning_rate<hp<"lr">{}>>,
//                                tune::kfold<5, metrics::accuracy>>;
//   auto result = pipeline{}.run(train, test, {.trials = 30, .seed = 42});
//
// Options, in any order, each found by its role: exactly one trainer pattern (train::trainer<...>
// whose slots may hold hp<"name">), and at most one sampler (default samplers::tpe<>), pruner
// (default pruners::none) and validation scheme (default holdout<0.2>). tuner<space,
// train::trainer<model>> is a whole pipeline.
//
// A trial: the config's type choices pick one resolved trainer type through with_index (once per
// trial), bind_numbers sets its number slots, and the validation scheme trains and scores it,
// reporting to the pruner after every epoch (holdout) or every fold (k-fold). Inside the trial the
// code is the plain trainer's: no virtual calls, no std::function.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "../core/hp.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "../core/type_list.hpp"
#include "../data/dataset.hpp"
#include "../pruners/none.hpp"
#include "../samplers/tpe.hpp"
#include "../space/config_text.hpp"
#include "../space/search_space.hpp"
#include "../space/uniform.hpp"
#include "../storage/backend.hpp"
#include "../train/callbacks.hpp"
#include "../train/trainer.hpp"
#include "bind.hpp"
#include "run_options.hpp"
#include "study.hpp"
#include "validation.hpp"

namespace htune::tune {

// How tuner::run runs the study.
struct tuner_options {
    std::uint64_t trials = 20; // trials in the study (a resumed journal counts its own)
    std::uint64_t seed = 0;    // the sampler's, the splits' and every trial's seeds
    std::size_t jobs = 1;      // trials at once
    // Trial n is proposed without the results of the `lag` trials before it, and waits for the
    // ones before those (study_options::lag, docs/guides/parallel.md); unset: jobs - 1.
    std::optional<std::uint64_t> lag = std::nullopt;
    std::optional<std::chrono::duration<double>> timeout = std::nullopt; // no trial starts after it
    std::filesystem::path journal = {}; // empty: in memory; a file: stored there, resumed from it
    std::string study_name = "htune";
    progress_display progress = progress_display::automatic;
    bool verbose = false;                       // a line per epoch (holdout) or fold (k-fold)
    std::ostream* progress_to = nullptr;        // default: standard error
    std::uint64_t max_consecutive_failures = 0; // 0: never stop for failures
};

// What a validation reports of the model refit on all training data: loss and metric on the test set.
using train::evaluation;

template <class Config>
struct tuning_result {
    direction goal = direction::maximize;
    trial_record<Config> best;                // the best complete trial
    std::vector<trial_record<Config>> trials; // every trial, with its per-epoch or per-fold curve
    std::optional<evaluation> test;           // the best config refit on all training data, on the test set
    std::vector<train::epoch_info> refit_history;
    std::size_t trial_bodies = 1; // resolved trainer types compiled (type_instantiations)
    double seconds = 0;           // wall time of run()

    std::size_t count(trial_state s) const {
        std::size_t n = 0;
        for (auto const& t : trials) n += t.state == s;
        return n;
    }

    friend std::ostream& operator<<(std::ostream& os, tuning_result const& r) {
        os << "best trial " << r.best.number << " of " << r.trials.size() << " (" << r.count(trial_state::complete)
           << " complete, " << r.count(trial_state::pruned) << " pruned, " << r.count(trial_state::failed)
           << " failed): " << to_string(r.best.config) << " -> validation " << r.best.value;
        if (r.test) os << ", test " << r.test->score << " (loss " << r.test->loss << ")";
        return os;
    }
};

namespace detail {

// No preprocessing: the rows are trained on as they are.
struct no_preprocessing {
    using htune_role = role::preprocessing;
};

template <class T>
struct is_search_space : std::false_type {};
template <class... P>
struct is_search_space<search_space<P...>> : std::true_type {};

enum class option_kind { trainer, sampler, pruner, validation, preprocessing, unknown };

template <class O>
consteval option_kind kind_of() {
    // A trainer pattern must not be instantiated (its hps are not types yet): test it first.
    if constexpr (train::is_trainer<O>::value) return option_kind::trainer;
    else if constexpr (has_role<O, role::sampler>) return option_kind::sampler;
    else if constexpr (has_role<O, role::pruner>) return option_kind::pruner;
    else if constexpr (has_role<O, role::validation>) return option_kind::validation;
    else if constexpr (has_role<O, role::preprocessing>) return option_kind::preprocessing;
    else return option_kind::unknown;
}

// Instantiated only for an option of no known role: the diagnostic shows it.
template <class Option>
struct not_a_tuner_option {
    static_assert(kind_of<Option>() != option_kind::unknown,
                  "htune::tune::tuner<Space, Options...>: this option (see not_a_tuner_option<Option> above) is "
                  "not a trainer<model, ...>, a sampler, a pruner or a validation scheme (holdout, kfold, "
                  "stratified_kfold, time_series_split), nor preprocessing (data::standardize, data::min_max); "
                  "layers, optimizers, losses and settings go inside the trainer");
    static constexpr bool value = true;
};

template <option_kind K, class... Options>
inline constexpr std::size_t count_kind = (std::size_t{0} + ... + std::size_t{kind_of<Options>() == K});

template <option_kind K, class Default, class... Options>
struct pick_kind {
    static constexpr std::size_t index = first_true<(kind_of<Options>() == K)...>;
    using type =
        typename std::conditional_t<(index < sizeof...(Options)), mp_at_impl<type_list<Options..., void>, index>,
                                    std::type_identity<Default>>::type;
};

// The trainer pattern with the validation's metric (if any) appended.
template <class Pattern, class Metric>
struct complete_pattern;
template <class Model, class... O, class Metric>
struct complete_pattern<train::trainer<Model, O...>, Metric> {
    static constexpr bool metric_in_trainer = (std::size_t{0} + ... + std::size_t{has_role<O, role::metric>}) > 0;
    static_assert(std::is_void_v<Metric> || !metric_in_trainer,
                  "htune::tune::tuner: the metric is given twice, in the trainer and in the validation scheme; "
                  "give it in one place");
    using type =
        std::conditional_t<std::is_void_v<Metric>, train::trainer<Model, O...>,
                           train::trainer<Model, O..., std::conditional_t<std::is_void_v<Metric>, int, Metric>>>;
};

template <class Pattern>
struct value_type_of;
template <class Model, class... O>
struct value_type_of<train::trainer<Model, O...>> {
    using type = typename train::detail::pick_setting_t<train::precision_tag, train::precision<float>, O...>::type;
};

// A resolved trainer that a static_assert of its own has refused (clang then treats the class as
// having no members): the tuner stops there, so that message stays the only one.
template <class T>
concept usable_trainer = requires(T& t) {
    t.model;
    t.callbacks;
};

// Every type hp of the pattern names a choice of types (if not, choice_for has said so).
template <class Space, class L>
struct type_hps_valid;
template <class Space, class... H>
struct type_hps_valid<Space, type_list<H...>> : std::bool_constant<(choice_for<Space, H>::valid && ...)> {};

// Every type choice at its first alternative: the resolved trainer that decides the direction.
template <class Space, class L>
struct first_assignment;
template <class Space, class... H>
struct first_assignment<Space, type_list<H...>> {
    using type = type_list<assigned<H::fixed_name, mp_at<typename choice_for<Space, H>::alternatives, 0>>...>;
};

template <bool Valid, class Space, class Pattern>
struct first_trainer_of {
    using type = train::stand_in_trainer; // a stand-in after an error
};
template <class Space, class Pattern>
struct first_trainer_of<true, Space, Pattern> {
    using type = resolve_t<Pattern, typename first_assignment<Space, type_hps_t<Space, Pattern>>::type>;
};

} // namespace detail

template <class Space, class... Options>
class tuner {
    static_assert(detail::is_search_space<Space>::value,
                  "htune::tune::tuner<Space, Options...>: the first argument must be a search_space<params...>");
    static_assert((detail::not_a_tuner_option<Options>::value && ...));
    static_assert(detail::count_kind<detail::option_kind::trainer, Options...> == 1,
                  "htune::tune::tuner: give exactly one trainer, train::trainer<model, options...>");
    static_assert(detail::count_kind<detail::option_kind::sampler, Options...> <= 1,
                  "htune::tune::tuner: give at most one sampler");
    static_assert(detail::count_kind<detail::option_kind::pruner, Options...> <= 1,
                  "htune::tune::tuner: give at most one pruner");
    static_assert(detail::count_kind<detail::option_kind::validation, Options...> <= 1,
                  "htune::tune::tuner: give at most one validation scheme (holdout, kfold, stratified_kfold, "
                  "time_series_split)");
    static_assert(detail::count_kind<detail::option_kind::preprocessing, Options...> <= 1,
                  "htune::tune::tuner: give at most one preprocessing (compose the steps in one policy)");

    // After a mistake reported above, stand-ins keep the rest of the class quiet.
    using checked_space =
        std::conditional_t<detail::is_search_space<Space>::value, Space, search_space<uniform<"unused", 0.0, 1.0>>>;
    using given_trainer = typename detail::pick_kind<detail::option_kind::trainer, void, Options...>::type;

public:
    using space_type = checked_space;
    using config = typename space_type::config;
    using trainer_pattern =
        std::conditional_t<train::is_trainer<given_trainer>::value, given_trainer, train::stand_in_trainer>;
    using sampler_type = typename detail::pick_kind<detail::option_kind::sampler, samplers::tpe<>, Options...>::type;
    using pruner_type = typename detail::pick_kind<detail::option_kind::pruner, pruners::none, Options...>::type;
    using validation_type = typename detail::pick_kind<detail::option_kind::validation, holdout<>, Options...>::type;
    using preprocessing_type =
        typename detail::pick_kind<detail::option_kind::preprocessing, detail::no_preprocessing, Options...>::type;
    // hp_switch<N> components expanded (tune/bind.hpp); the remaining type hps are dispatched per trial.
    using pattern =
        expand_switches_t<space_type,
                          typename detail::complete_pattern<trainer_pattern, typename validation_type::metric>::type>;
    using value_type = typename detail::value_type_of<trainer_pattern>::type;
    static_assert(concepts::validation<validation_type, value_type>,
                  "htune::tune::tuner: the validation scheme needs `using metric = ...;` (void: the trainer's), "
                  "plan(data, seed) and score(plan, data, fit, reporter); see tune/validation.hpp");
    static constexpr bool preprocesses = !std::is_same_v<preprocessing_type, detail::no_preprocessing>;
    using study_type = study<space_type, sampler_type, pruner_type>;
    using trial_type = typename study_type::trial;
    using result_type = tuning_result<config>;

    // Trial bodies compiled: the product of the sizes of the type choices the pattern uses.
    static constexpr std::size_t trial_bodies = type_instantiations<space_type, pattern>;

    // Every hp in a type slot names a choice of types in the space.
    static constexpr bool pattern_valid = detail::type_hps_valid<space_type, type_hps_t<space_type, pattern>>::value;

private:
    using first_trainer = typename detail::first_trainer_of<pattern_valid, space_type, pattern>::type;

public:
    // Accuracy up, a loss or an error down: the metric decides.
    static constexpr direction goal =
        first_trainer::metric_type::higher_is_better ? direction::maximize : direction::minimize;

    // Trainer settings fixed for a whole run but known only at run time (from a command line, say):
    // each one given replaces the trainer's template default in every trial; a setting bound to an
    // hp is still taken from the trial's config.
    struct run_settings {
        std::optional<std::size_t> epochs;
        std::optional<std::size_t> batch_size;
        std::optional<double> learning_rate;
        // Threads for each trial's own loops (train::threads<N>); with jobs > 1 trials at once, each
        // trial has its own team, so jobs x threads threads run.
        std::optional<std::size_t> threads;
        // With threads > 1: split each batch's rows between them too (train::split_batch<B>).
        std::optional<bool> split_batch;
    };

    space_type space{};
    sampler_type sampler{};
    pruner_type pruner{};
    validation_type validation{};
    preprocessing_type preprocessing{};
    run_settings settings{};

    // Tunes on `train`; every trial is scored by the validation scheme.
    result_type run(data::dataset<value_type> const& train, tuner_options const& options = {}) {
        return run_impl(train, nullptr, options);
    }
    // The same, then refits the best config on all of `train` and evaluates it on `test`.
    result_type run(data::dataset<value_type> const& train, data::dataset<value_type> const& test,
                    tuner_options const& options = {}) {
        return run_impl(train, &test, options);
    }

    // Trains the config on `train` (all of it) and evaluates it on `test`; `history` gets the epochs.
    evaluation refit(config const& c, data::dataset<value_type> const& train, data::dataset<value_type> const& test,
                     std::uint64_t seed, std::vector<train::epoch_info>* history = nullptr) const {
        return refit_on(c, train, test, seed, history, 1);
    }

private:
    // refit() with `jobs` times the trial's threads, batches split between them (unless the
    // settings say otherwise): run() refits when its trial workers are done, so their cores are free.
    evaluation refit_on(config const& c, data::dataset<value_type> const& train, data::dataset<value_type> const& test,
                        std::uint64_t seed, std::vector<train::epoch_info>* history, std::size_t jobs) const {
        if constexpr (!pattern_valid) return {};
        else
            return dispatch_pattern<space_type, pattern>(c, [&](auto type) -> evaluation {
                using resolved = typename decltype(type)::type;
                if constexpr (!detail::usable_trainer<resolved>) return {};
                else {
                    resolved trainer{};
                    apply_settings(trainer);
                    bind_numbers(trainer, c);
                    if (jobs > 1) {
                        trainer.threads *= jobs;
                        if (!settings.split_batch) trainer.split_batch = true;
                    }
                    return preprocessed(train, test, [&](auto const& rows, auto const& test_rows) {
                        auto fitted = trainer.fit(rows, seed);
                        if (history) *history = fitted.history;
                        return fitted.evaluate(test_rows);
                    });
                }
            });
    }

    template <class Trainer>
    void apply_settings(Trainer& trainer) const {
        if (settings.epochs) trainer.epochs = *settings.epochs;
        if (settings.batch_size) trainer.batch_size = *settings.batch_size;
        if (settings.learning_rate) trainer.learning_rate = *settings.learning_rate;
        if (settings.threads) trainer.threads = *settings.threads;
        if (settings.split_batch) trainer.split_batch = *settings.split_batch;
    }

    // The rows every trial is scored on, drawn once per run by the validation scheme.
    using plan_type = decltype(std::declval<validation_type const&>().plan(
        std::declval<data::dataset<value_type> const&>(), std::uint64_t{}));

    plan_type prepare(data::dataset<value_type> const& train, std::uint64_t seed) const {
        return validation.plan(train, rng::stream(seed, 0x5b117u)());
    }

    // Calls f(train, other) with both scaled by the preprocessing fitted on `train` alone (on copies),
    // or with both as they are when there is no preprocessing: what a fold and a refit train on.
    template <class F>
    decltype(auto) preprocessed(data::dataset<value_type> const& train, data::dataset<value_type> const& other,
                                F&& f) const {
        if constexpr (preprocesses) {
            auto scaler = preprocessing.template fitter<value_type>();
            scaler.fit(train);
            auto train_scaled = train, other_scaled = other;
            scaler.transform(train_scaled);
            scaler.transform(other_scaled);
            return f(std::as_const(train_scaled), std::as_const(other_scaled));
        } else {
            return f(train, other);
        }
    }

    // Trains `trainer` on `train` and scores it on `validation_rows` (both preprocessed).
    template <class Trainer>
    double fit_and_score(Trainer& trainer, data::dataset<value_type> const& train,
                         data::dataset<value_type> const& validation_rows, std::uint64_t seed,
                         train::epoch_observer observer) const {
        return preprocessed(train, validation_rows, [&](auto const& rows, auto const& validation) {
            auto fitted = trainer.fit(rows, validation, seed, observer);
            return fitted.history.at(fitted.best_epoch).validation_score;
        });
    }

    // Scores one trial: resolve its types, set its numbers, and let the validation scheme train
    // and score it, reporting to the trial's pruner.
    double score(trial_type const& t, data::dataset<value_type> const& train, plan_type const& plan) const {
        if constexpr (!pattern_valid) return 0.0;
        else
            return dispatch_pattern<space_type, pattern>(t.params(), [&](auto type) -> double {
                using resolved = typename decltype(type)::type;
                if constexpr (!detail::usable_trainer<resolved>) return 0.0;
                else {
                    resolved trainer{};
                    apply_settings(trainer);
                    bind_numbers(trainer, t.params());
                    auto fit = [&](data::dataset<value_type> const& rows,
                                   data::dataset<value_type> const& validation_rows, std::uint64_t seed,
                                   train::epoch_observer observer) {
                        return fit_and_score(trainer, rows, validation_rows, seed, observer);
                    };
                    return validation.score(plan, train, fit, t);
                }
            });
    }

    result_type run_impl(data::dataset<value_type> const& train, data::dataset<value_type> const* test,
                         tuner_options const& o) {
        auto const start = std::chrono::steady_clock::now();
        HTUNE_CHECK(o.trials > 0, "htune::tune::tuner::run: trials must be > 0");
        HTUNE_CHECK_AS(data_error, train.size() > 0, "htune::tune::tuner::run: the training data is empty");
        train.validate("training");
        if (test) test->validate("test");

        std::unique_ptr<storage::backend> store;
        if (!o.journal.empty()) {
            auto const open = storage::registered_journal_opener();
            if (open == nullptr)
                htune::detail::throw_error<error>(
                    "htune::tune::tuner::run: journal ", o.journal.string(),
                    " needs the journal storage: "
                    "#include <htune/storage/journal.hpp> in the program (CMake: link htune::journal, which brings "
                    "nlohmann-json)");
            store = open(o.journal);
        }
        study_type s(space, sampler, study_options{.goal = goal, .seed = o.seed, .name = o.study_name, .lag = o.lag},
                     std::move(store), pruner);
        plan_type const p = prepare(train, o.seed);

        run_options run;
        run.jobs = o.jobs;
        run.timeout = o.timeout;
        // A data or shape error is the same in every trial: it stops the run instead of failing each.
        run.catches = [](std::exception const& e) {
            return dynamic_cast<data_error const*>(&e) == nullptr && dynamic_cast<shape_error const*>(&e) == nullptr;
        };
        run.max_consecutive_failures = o.max_consecutive_failures;
        run.progress = o.progress;
        run.verbose = o.verbose;
        run.progress_to = o.progress_to;

        std::uint64_t finished = 0;
        for (auto const& r : s.trials()) finished += r.state != trial_state::running;
        if (finished < o.trials)
            s.optimize([&](trial_type const& t) { return score(t, train, p); }, o.trials - finished, run);

        result_type result;
        result.goal = goal;
        result.trials = s.trials();
        result.best = s.best();
        result.trial_bodies = trial_bodies;
        if (test) result.test = refit_on(result.best.config, train, *test, o.seed, &result.refit_history, o.jobs);
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result;
    }
};

} // namespace htune::tune
