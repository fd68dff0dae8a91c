#pragma once
// A data set in memory: one sample per row of `features` (a sample of shape C x H x W is stored
// flat, C*H*W values), with class labels for classification or real targets for regression.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/errors.hpp"
#include "../core/shape.hpp"
#include "../core/targets.hpp"
#include "../core/tensor.hpp"

namespace htune::data {

// Index of the first NaN or infinity in x[0, n), or n. It tests the exponent bits (all ones for
// NaN and infinity) block by block, an integer reduction that vectorises, so checking a data set
// of 47 million values costs milliseconds rather than a branch per value.
template <class T>
std::size_t first_non_finite(T const* x, std::size_t n) noexcept {
    static_assert(std::numeric_limits<T>::is_iec559 && (sizeof(T) == 4 || sizeof(T) == 8));
    using bits_type = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    constexpr auto exponent = static_cast<bits_type>(sizeof(T) == 4 ? 0x7f800000ull : 0x7ff0000000000000ull);
    constexpr std::size_t block = 4096;
    for (std::size_t begin = 0; begin < n; begin += block) {
        std::size_t const end = std::min(n, begin + block);
        bits_type found = 0;
        for (std::size_t i = begin; i < end; ++i) {
            bits_type b;
            std::memcpy(&b, x + i, sizeof b);
            found |= (b & exponent) == exponent;
        }
        if (found)
            for (std::size_t i = begin; i < end; ++i)
                if (!std::isfinite(x[i])) return i;
    }
    return n;
}

template <class T>
struct dataset {
    tensor<T, 2> features;                // samples x sample_shape.size()
    htune::shape sample_shape;            // shape of one sample; {features.shape(1)} when flat
    tensor<std::int32_t, 1> labels;       // classification: one label per sample in [0, num_classes)
    tensor<T, 2> targets;                 // regression: samples x outputs
    std::size_t num_classes = 0;          // 0 for regression
    std::vector<std::string> class_names; // original label of class k where a loader knows it (CSV)

    std::size_t size() const noexcept { return features.shape()[0]; }
    std::size_t feature_count() const noexcept { return features.shape()[1]; }
    bool is_classification() const noexcept { return num_classes > 0; }
    bool empty() const noexcept { return size() == 0; }

    // The targets of rows [first, first + count) (rows must be contiguous, as after gather()).
    htune::targets<T> targets_of_rows(std::size_t first, std::size_t count) const {
        if (is_classification()) return {{labels.data() + first, count}, {}};
        return {{}, {targets.data() + first * targets.shape()[1], count, targets.shape()[1]}};
    }
    htune::targets<T> all_targets() const { return targets_of_rows(0, size()); }

    // Checks consistency and values; `what` names the data set in messages ("train", a file name).
    void validate(std::string const& what = "dataset") const {
        std::size_t const n = size();
        HTUNE_CHECK_AS(data_error, n > 0, "htune::data: ", what, " is empty");
        HTUNE_CHECK_AS(shape_error, sample_shape.rank == 0 || sample_shape.size() == feature_count(),
                       "htune::data: ", what, ": sample shape ", sample_shape, " holds ", sample_shape.size(),
                       " values but features have ", feature_count(), " columns");
        if (std::size_t const i = first_non_finite(features.data(), features.size()); i < features.size())
            detail::throw_error<data_error>("htune::data: ", what, ": feature ", i % feature_count(), " of sample ",
                                            i / feature_count(), " is not finite (", features.data()[i], ")");
        if (is_classification()) {
            HTUNE_CHECK_AS(shape_error, labels.size() == n, "htune::data: ", what, ": ", n, " samples but ",
                           labels.size(), " labels");
            for (std::size_t i = 0; i < n; ++i) {
                auto const y = labels(i);
                if (y < 0 || static_cast<std::size_t>(y) >= num_classes)
                    detail::throw_error<data_error>("htune::data: ", what, ": label of sample ", i, " is ", y,
                                                    ", outside [0, ", num_classes, ")");
            }
        } else {
            HTUNE_CHECK_AS(shape_error, targets.shape()[0] == n, "htune::data: ", what, ": ", n, " samples but ",
                           targets.shape()[0], " target rows");
            if (std::size_t const i = first_non_finite(targets.data(), targets.size()); i < targets.size())
                detail::throw_error<data_error>("htune::data: ", what, ": target of sample ", i / targets.shape()[1],
                                                " is not finite (", targets.data()[i], ")");
        }
    }

    // The shape of one sample, filling in {features} when none was set.
    htune::shape input_shape() const { return sample_shape.rank ? sample_shape : htune::shape{feature_count()}; }
};

namespace detail {
// Labels (classification) or targets (regression) must have one row per sample before anything
// indexes them by row (subset, split, evaluate); a data set without targets (0 columns) passes.
// `who` starts the message ("htune::data::subset: "). The cheap part of dataset::validate().
template <class T>
void check_target_rows(dataset<T> const& d, char const* who) {
    std::size_t const n = d.size();
    if (d.is_classification())
        HTUNE_CHECK_AS(shape_error, d.labels.size() == n, who, n, " samples but ", d.labels.size(), " labels");
    else
        HTUNE_CHECK_AS(shape_error, d.targets.shape()[1] == 0 || d.targets.shape()[0] == n, who, n, " samples but ",
                       d.targets.shape()[0], " target rows");
}
} // namespace detail

// Copies rows `index[0..count)` of `src` into the first `count` rows of `dst` (features, and
// labels or targets), without allocating when dst is already large enough.
template <class T>
void gather(dataset<T> const& src, std::span<std::size_t const> index, dataset<T>& dst) {
    std::size_t const count = index.size();
    std::size_t const cols = src.feature_count();
    if (dst.features.shape()[0] < count || dst.features.shape()[1] != cols) dst.features.resize({count, cols});
    dst.sample_shape = src.sample_shape;
    dst.num_classes = src.num_classes;
    T* out = dst.features.data();
    for (std::size_t r = 0; r < count; ++r) {
        T const* in = src.features.data() + index[r] * cols;
        std::copy(in, in + cols, out + r * cols);
    }
    if (src.is_classification()) {
        if (dst.labels.size() < count) dst.labels.resize({count});
        for (std::size_t r = 0; r < count; ++r) dst.labels(r) = src.labels(index[r]);
    } else {
        std::size_t const k = src.targets.shape()[1];
        if (dst.targets.shape()[0] < count || dst.targets.shape()[1] != k) dst.targets.resize({count, k});
        for (std::size_t r = 0; r < count; ++r)
            std::copy_n(src.targets.data() + index[r] * k, k, dst.targets.data() + r * k);
    }
}

} // namespace htune::data
