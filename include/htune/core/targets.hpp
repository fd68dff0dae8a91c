#pragma once
// The targets of a batch: class labels for classification, a row of reals per sample for
// regression. Shared by data sets, losses and metrics (losses::targets names it too).

#include <cstddef>
#include <cstdint>
#include <span>

#include "tensor.hpp"

namespace htune {

struct class_labels {}; // targets are integer labels in [0, classes)
struct real_values {};  // targets are rows of reals, one per sample

template <class T>
struct targets {
    std::span<std::int32_t const> labels{}; // classification
    batch_view<T const> values{};           // regression

    std::size_t rows() const noexcept { return labels.empty() ? values.rows : labels.size(); }
};

template <class T>
targets<T> labels_of(std::span<std::int32_t const> labels) {
    return {labels, {}};
}
template <class T>
targets<T> values_of(batch_view<T const> values) {
    return {{}, values};
}

} // namespace htune
