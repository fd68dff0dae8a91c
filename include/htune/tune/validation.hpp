#pragma once
// Validation schemes: how a tuner turns one config into one score.
//
//   holdout<0.2>                  train on 80%, score on 20% after every epoch (stratified for classes)
//   kfold<5, metrics::accuracy>   5 folds: the score is the mean over folds
//   stratified_kfold<5>           the same with each fold keeping the class proportions
//
// Metric = void keeps the trainer's metric (accuracy for classification, MSE for regression); the
// metric decides the study's direction (accuracy up, MSE down). The splits are drawn once per run
// from the run's seed, so every config is scored on the same rows (as scikit-learn's
// GridSearchCV does).
//
// What pruners see: holdout reports the validation score after each epoch (step = epoch, from 0);
// k-fold reports the running mean after each fold (step = fold, from 0), so a trial can be pruned
// between folds.

#include <cstddef>

#include "../core/roles.hpp"

namespace htune::tune {

template <double Fraction = 0.2, class Metric = void, bool Stratified = true>
struct holdout {
    static_assert(Fraction > 0.0 && Fraction < 1.0, "htune::tune::holdout<Fraction>: Fraction must be in (0, 1)");
    using htune_role = role::validation;
    using metric = Metric;
    static constexpr char const* name = "holdout";
    double fraction = Fraction;
    bool stratified = Stratified; // used only for classification data
};

template <std::size_t K = 5, class Metric = void>
struct kfold {
    static_assert(K >= 2, "htune::tune::kfold<K>: K must be at least 2");
    using htune_role = role::validation;
    using metric = Metric;
    static constexpr char const* name = "kfold";
    std::size_t folds = K;
    bool stratified = false;
};

template <std::size_t K = 5, class Metric = void>
struct stratified_kfold {
    static_assert(K >= 2, "htune::tune::stratified_kfold<K>: K must be at least 2");
    using htune_role = role::validation;
    using metric = Metric;
    static constexpr char const* name = "stratified_kfold";
    std::size_t folds = K;
    bool stratified = true;
};

namespace detail {
template <class V>
concept holdout_validation = requires(V v) { v.fraction; };
template <class V>
concept fold_validation = requires(V v) { v.folds; };
} // namespace detail

namespace concepts {
// A validation scheme: the role tag, a metric (void: the trainer's), and either a holdout fraction
// or a fold count.
template <class V>
concept validation = has_role<V, role::validation> && requires { typename V::metric; } &&
                     (detail::holdout_validation<V> || detail::fold_validation<V>);
} // namespace concepts

} // namespace htune::tune
