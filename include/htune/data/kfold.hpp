#pragma once
// k-fold cross-validation splits: the rows of each fold, then the fold's data on demand (k copies
// of a data set at once would cost k times its memory).
//
//   auto const folds = data::kfold_rows(train_set, 5, /*shuffle seed=*/std::uint64_t{42}, /*stratified=*/true);
//   for (auto const& rows : folds) {
//       auto const [train, validation] = data::fold(train_set, rows);
//       ...
//   }
//
// Without a shuffle seed the folds are scikit-learn's: KFold(k) cuts the rows into k contiguous
// blocks, the first n % k one row longer; StratifiedKFold(k) gives fold f of class c the rows that
// dealing the class-sorted labels round-robin would give it, each class's rows in contiguous blocks
// in their order, classes ranked by first appearance (tests/data/test_kfold.cpp compares both with
// Debian's python3-sklearn). With a seed, rows are shuffled first (within each class when
// stratified) by htune's RNG: the same seed gives the same folds on every platform, though not
// scikit-learn's folds for its seeds.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "dataset.hpp"
#include "split.hpp"

namespace htune::data {

// One fold: the rows to train on and the rows to validate on, each in increasing order.
struct fold_rows {
    std::vector<std::size_t> train;
    std::vector<std::size_t> validation;
};

namespace detail {

inline void check_folds(std::size_t n, std::size_t k, char const* who) {
    HTUNE_CHECK(k >= 2, who, "k (", k, ") must be at least 2");
    HTUNE_CHECK(k <= n, who, "k (", k, ") is more than the ", n, " samples: a fold would be empty");
}

// Fills every fold's training rows as the complement of its validation rows, both sorted.
inline std::vector<fold_rows> complete_folds(std::vector<std::vector<std::size_t>> validation, std::size_t n) {
    std::vector<fold_rows> folds(validation.size());
    std::vector<std::size_t> owner(n);
    for (std::size_t f = 0; f < validation.size(); ++f)
        for (std::size_t const row : validation[f]) owner[row] = f;
    for (std::size_t f = 0; f < validation.size(); ++f) {
        std::sort(validation[f].begin(), validation[f].end());
        folds[f].validation = std::move(validation[f]);
        folds[f].train.reserve(n - folds[f].validation.size());
        for (std::size_t row = 0; row < n; ++row)
            if (owner[row] != f) folds[f].train.push_back(row);
    }
    return folds;
}

} // namespace detail

// k folds of rows 0..n-1: contiguous blocks, or blocks of a seeded permutation.
inline std::vector<fold_rows> kfold_rows(std::size_t n, std::size_t k, std::optional<std::uint64_t> shuffle_seed = {}) {
    detail::check_folds(n, k, "htune::data::kfold_rows: ");
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (shuffle_seed) {
        rng g(*shuffle_seed);
        htune::shuffle(std::span<std::size_t>(order), g);
    }
    std::vector<std::vector<std::size_t>> validation(k);
    std::size_t at = 0;
    for (std::size_t f = 0; f < k; ++f) {
        std::size_t const size = n / k + (f < n % k ? 1 : 0);
        validation[f].assign(order.begin() + static_cast<std::ptrdiff_t>(at),
                             order.begin() + static_cast<std::ptrdiff_t>(at + size));
        at += size;
    }
    return detail::complete_folds(std::move(validation), n);
}

// k folds that keep the class proportions: each fold's count of a class differs from another
// fold's by at most one. A class with fewer than k samples is missing from some folds; k larger
// than every class is an error (scikit-learn's rule).
inline std::vector<fold_rows> stratified_kfold_rows(std::span<std::int32_t const> labels, std::size_t k,
                                                    std::optional<std::uint64_t> shuffle_seed = {}) {
    constexpr char const* who = "htune::data::stratified_kfold_rows: ";
    std::size_t const n = labels.size();
    detail::check_folds(n, k, who);
    // Classes ranked by first appearance; rows of each class in order.
    std::vector<std::int32_t> seen;
    std::vector<std::vector<std::size_t>> by_class;
    for (std::size_t row = 0; row < n; ++row) {
        HTUNE_CHECK_AS(data_error, labels[row] >= 0, who, "label of sample ", row, " is ", labels[row], ", negative");
        auto const it = std::find(seen.begin(), seen.end(), labels[row]);
        std::size_t const c = static_cast<std::size_t>(it - seen.begin());
        if (it == seen.end()) {
            seen.push_back(labels[row]);
            by_class.emplace_back();
        }
        by_class[c].push_back(row);
    }
    std::size_t largest = 0;
    for (auto const& rows : by_class) largest = std::max(largest, rows.size());
    HTUNE_CHECK(k <= largest, who, "k (", k, ") is more than the samples of every class (at most ", largest,
                "): no fold could hold each class");
    if (shuffle_seed) {
        rng g(*shuffle_seed);
        for (auto& rows : by_class) htune::shuffle(std::span<std::size_t>(rows), g);
    }
    // Dealing the class-sorted labels round-robin: position p of the sorted order goes to fold p % k.
    std::vector<std::vector<std::size_t>> validation(k);
    std::size_t position = 0;
    for (auto const& rows : by_class) {
        std::vector<std::size_t> count(k, 0);
        for (std::size_t i = 0; i < rows.size(); ++i) ++count[(position + i) % k];
        position += rows.size();
        std::size_t at = 0;
        for (std::size_t f = 0; f < k; ++f) {
            validation[f].insert(validation[f].end(), rows.begin() + static_cast<std::ptrdiff_t>(at),
                                 rows.begin() + static_cast<std::ptrdiff_t>(at + count[f]));
            at += count[f];
        }
    }
    return detail::complete_folds(std::move(validation), n);
}

// The folds of a data set; stratified needs a classification data set.
template <class T>
std::vector<fold_rows> kfold_rows(dataset<T> const& data, std::size_t k, std::optional<std::uint64_t> shuffle_seed = {},
                                  bool stratified = false) {
    detail::check_target_rows(data, "htune::data::kfold_rows: ");
    if (!stratified) return kfold_rows(data.size(), k, shuffle_seed);
    HTUNE_CHECK(data.is_classification(),
                "htune::data::kfold_rows: stratified = true needs a classification data set (num_classes > 0)");
    return stratified_kfold_rows(std::span<std::int32_t const>(data.labels.data(), data.size()), k, shuffle_seed);
}

// The fold's training and validation data.
template <class T>
train_validation<T> fold(dataset<T> const& data, fold_rows const& rows) {
    return {subset(data, std::span<std::size_t const>(rows.train)),
            subset(data, std::span<std::size_t const>(rows.validation))};
}

} // namespace htune::data
