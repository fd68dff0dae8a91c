#pragma once
// Subsets of a data set, and a seeded split into training and validation parts.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

#include "../core/errors.hpp"
#include "../core/rng.hpp"
#include "dataset.hpp"

namespace htune::data {

// The rows `rows` of `data`, in that order (a row may repeat).
template <class T>
dataset<T> subset(dataset<T> const& data, std::span<std::size_t const> rows) {
    std::size_t const n = data.size();
    detail::check_target_rows(data, "htune::data::subset: ");
    for (std::size_t i = 0; i < rows.size(); ++i)
        HTUNE_CHECK(rows[i] < n, "htune::data::subset: rows[", i, "] = ", rows[i],
                    " is out of range for a data set of ", n, " samples");
    dataset<T> out;
    out.features = tensor<T, 2>(std::array<std::size_t, 2>{rows.size(), data.feature_count()});
    if (data.is_classification()) out.labels = tensor<std::int32_t, 1>(std::array<std::size_t, 1>{rows.size()});
    else out.targets = tensor<T, 2>(std::array<std::size_t, 2>{rows.size(), data.targets.shape()[1]});
    gather(data, rows, out);
    out.class_names = data.class_names;
    return out;
}

template <class T>
struct train_validation {
    dataset<T> train;
    dataset<T> validation;
};

namespace detail {

// Validation rows per class: floor of each class's share, then the rows left over to the classes
// with the largest remainders (ties to the lower class), so the total is round(n * fraction).
inline std::vector<std::size_t> stratified_counts(std::vector<std::size_t> const& class_sizes, std::size_t n,
                                                  double fraction) {
    auto const total = static_cast<std::size_t>(std::llround(static_cast<double>(n) * fraction));
    std::vector<std::size_t> take(class_sizes.size());
    std::vector<double> remainder(class_sizes.size());
    std::size_t assigned = 0;
    for (std::size_t k = 0; k < class_sizes.size(); ++k) {
        double const share = static_cast<double>(class_sizes[k]) * fraction;
        take[k] = static_cast<std::size_t>(std::floor(share));
        remainder[k] = share - static_cast<double>(take[k]);
        assigned += take[k];
    }
    std::vector<std::size_t> order(class_sizes.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
    for (std::size_t i = 0; assigned < total && i < order.size(); ++i) {
        if (take[order[i]] < class_sizes[order[i]]) {
            ++take[order[i]];
            ++assigned;
        }
    }
    return take;
}

} // namespace detail

// Splits `data` at random into a training and a validation part holding round(n * fraction) rows;
// the same seed gives the same split. Stratified (classification only): each class is split
// separately, so both parts keep the class proportions. Rows keep their original order in each part.
template <class T>
train_validation<T> train_validation_split(dataset<T> const& data, double validation_fraction, std::uint64_t seed,
                                           bool stratified = false) {
    constexpr char const* component = "htune::data::train_validation_split: ";
    HTUNE_CHECK(validation_fraction > 0.0 && validation_fraction < 1.0, component, "validation_fraction (",
                validation_fraction, ") must be in (0, 1)");
    HTUNE_CHECK(!stratified || data.is_classification(), component,
                "stratified = true needs a classification data set (num_classes > 0)");
    detail::check_target_rows(data, component);
    std::size_t const n = data.size();
    rng g(seed);
    std::vector<std::size_t> validation_rows;
    std::vector<std::size_t> train_rows;
    if (!stratified) {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        htune::shuffle(std::span<std::size_t>(order), g);
        auto const k = static_cast<std::size_t>(std::llround(static_cast<double>(n) * validation_fraction));
        validation_rows.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::min(k, n)));
        train_rows.assign(order.begin() + static_cast<std::ptrdiff_t>(std::min(k, n)), order.end());
    } else {
        std::vector<std::vector<std::size_t>> by_class(data.num_classes);
        for (std::size_t i = 0; i < n; ++i) {
            auto const y = data.labels(i);
            HTUNE_CHECK_AS(data_error, y >= 0 && static_cast<std::size_t>(y) < data.num_classes, component,
                           "label of sample ", i, " is ", y, ", outside [0, ", data.num_classes, ")");
            by_class[static_cast<std::size_t>(y)].push_back(i);
        }
        std::vector<std::size_t> sizes;
        for (auto const& rows : by_class) sizes.push_back(rows.size());
        auto const take = detail::stratified_counts(sizes, n, validation_fraction);
        for (std::size_t k = 0; k < by_class.size(); ++k) {
            auto& rows = by_class[k];
            htune::shuffle(std::span<std::size_t>(rows), g);
            auto const cut = rows.begin() + static_cast<std::ptrdiff_t>(take[k]);
            validation_rows.insert(validation_rows.end(), rows.begin(), cut);
            train_rows.insert(train_rows.end(), cut, rows.end());
        }
    }
    HTUNE_CHECK(!validation_rows.empty() && !train_rows.empty(), component, "validation_fraction (",
                validation_fraction, ") of ", n, " samples leaves the ",
                validation_rows.empty() ? "validation" : "training", " part empty");
    std::sort(validation_rows.begin(), validation_rows.end());
    std::sort(train_rows.begin(), train_rows.end());
    return {subset(data, train_rows), subset(data, validation_rows)};
}

} // namespace htune::data
