#pragma once
// Validation schemes: how a tuner turns one config into one score. A scheme is a policy of the
// pipeline, and a user's scheme (a group k-fold, a fixed validation set) is written the same way.
//
//   holdout<0.2>                      train on 80%, score on 20% after every epoch (stratified for classes)
//   kfold<5, metrics::accuracy>       5 folds: the score is the mean over folds
//   stratified_kfold<5>               kfold<5, void, true>: each fold keeps the class proportions
//   time_series_split<5>              5 expanding windows in row order, each scored on the block after it
//
// Metric = void keeps the trainer's metric (accuracy for classification, MSE for regression); the
// metric decides the study's direction (accuracy up, MSE down).
//
// The contract (concepts::validation): the role tag, `using metric = ...;`, and
//   plan(data, seed)                   the rows every config is scored on, drawn once per run from
//                                      the run's seed (as scikit-learn's GridSearchCV does);
//   score(plan, data, fit, reporter)   one config's score. `fit(train, validation, seed, observer)`
//                                      trains a fresh model on `train` (the pipeline's preprocessing
//                                      fitted on `train` alone) and returns the metric on
//                                      `validation` at the best epoch; `observer` (may be empty)
//                                      sees every epoch. The reporter is the trial: seed(),
//                                      report(step, value) for the pruner, should_prune(), prune().
//
// What pruners see: holdout reports the validation score after each epoch (step = epoch, from 0);
// k-fold and the time-series split report the running mean after each fold (step = fold, from 0),
// so a trial can be pruned between folds.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "../core/roles.hpp"
#include "../data/dataset.hpp"
#include "../data/kfold.hpp"
#include "../data/split.hpp"
#include "../data/time_series_split.hpp"
#include "../train/callbacks.hpp"

namespace htune::tune {

namespace detail {
// The mean score over folds, reported after each fold; a trial may be pruned between folds.
template <class T, class Fit, class Reporter>
double score_folds(std::vector<data::fold_rows> const& folds, data::dataset<T> const& data, Fit& fit, Reporter& r) {
    double sum = 0;
    for (std::size_t f = 0; f < folds.size(); ++f) {
        auto const parts = data::fold(data, folds[f]);
        sum += fit(parts.train, parts.validation, rng::stream(r.seed(), f)(), train::epoch_observer{});
        r.report(f, sum / static_cast<double>(f + 1));
        if (f + 1 < folds.size() && r.should_prune()) r.prune();
    }
    return sum / static_cast<double>(folds.size());
}
} // namespace detail

template <double Fraction = 0.2, class Metric = void, bool Stratified = true>
struct holdout {
    static_assert(Fraction > 0.0 && Fraction < 1.0, "htune::tune::holdout<Fraction>: Fraction must be in (0, 1)");
    using htune_role = role::validation;
    using metric = Metric;
    static constexpr char const* name = "holdout";
    double fraction = Fraction;
    bool stratified = Stratified; // used only for classification data

    template <class T>
    data::train_validation<T> plan(data::dataset<T> const& data, std::uint64_t seed) const {
        return data::train_validation_split(data, fraction, seed, stratified && data.is_classification());
    }
    template <class T, class Fit, class Reporter>
    double score(data::train_validation<T> const& plan, data::dataset<T> const&, Fit&& fit, Reporter& r) const {
        auto each_epoch = [&r](train::epoch_info const& e) {
            r.report(e.epoch, e.validation_score);
            if (r.should_prune()) r.prune();
        };
        return fit(plan.train, plan.validation, r.seed(), train::epoch_observer(each_epoch));
    }
};

template <std::size_t K = 5, class Metric = void, bool Stratified = false>
struct kfold {
    static_assert(K >= 2, "htune::tune::kfold<K>: K must be at least 2");
    using htune_role = role::validation;
    using metric = Metric;
    static constexpr char const* name = Stratified ? "stratified_kfold" : "kfold";
    std::size_t folds = K;
    bool stratified = Stratified; // needs classification data

    template <class T>
    std::vector<data::fold_rows> plan(data::dataset<T> const& data, std::uint64_t seed) const {
        HTUNE_CHECK(folds >= 2, "htune::tune::", name, ": folds (", folds, ") must be at least 2");
        return data::kfold_rows(data, folds, seed, stratified);
    }
    template <class T, class Fit, class Reporter>
    double score(std::vector<data::fold_rows> const& plan, data::dataset<T> const& data, Fit&& fit, Reporter& r) const {
        return detail::score_folds(plan, data, fit, r);
    }
};

template <std::size_t K = 5, class Metric = void>
using stratified_kfold = kfold<K, Metric, true>;

// Expanding (or, with max_train_rows, rolling) windows in row order: split s trains on the rows
// before its validation block and never sees a later row (data::time_series_rows). The rows must
// be in time order; nothing is shuffled.
template <std::size_t Splits = 5, class Metric = void>
struct time_series_split {
    static_assert(Splits >= 1, "htune::tune::time_series_split<Splits>: Splits must be at least 1");
    using htune_role = role::validation;
    using metric = Metric;
    static constexpr char const* name = "time_series_split";
    std::size_t splits = Splits;
    std::size_t gap = 0;             // rows left out between training rows and each validation block
    std::size_t max_train_rows = 0;  // 0: every earlier row
    std::size_t validation_rows = 0; // 0: rows / (splits + 1)

    template <class T>
    std::vector<data::fold_rows> plan(data::dataset<T> const& data, std::uint64_t) const {
        return data::time_series_rows(
            data.size(), splits, {.gap = gap, .max_train_rows = max_train_rows, .validation_rows = validation_rows});
    }
    template <class T, class Fit, class Reporter>
    double score(std::vector<data::fold_rows> const& plan, data::dataset<T> const& data, Fit&& fit, Reporter& r) const {
        return detail::score_folds(plan, data, fit, r);
    }
};

namespace detail {
// Archetypes for the concept: what a scheme may call on the fit and the reporter, no more.
template <class T>
struct fit_archetype {
    double operator()(data::dataset<T> const&, data::dataset<T> const&, std::uint64_t, train::epoch_observer) const;
};
struct reporter_archetype {
    std::uint64_t seed() const;
    void report(std::uint64_t step, double value) const;
    bool should_prune() const;
    [[noreturn]] void prune() const;
};
} // namespace detail

namespace concepts {
// A validation scheme for data of value type T (see the top of this file).
template <class V, class T = float>
concept validation = has_role<V, role::validation> && requires { typename V::metric; } &&
                     requires(V const& v, data::dataset<T> const& d, std::uint64_t seed, detail::fit_archetype<T>& fit,
                              detail::reporter_archetype& r) {
                         v.plan(d, seed);
                         { v.score(v.plan(d, seed), d, fit, r) } -> std::convertible_to<double>;
                     };
} // namespace concepts

} // namespace htune::tune
