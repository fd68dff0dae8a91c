#pragma once
// Three Gaussian blobs in 4 dimensions (class k centred at 2 on coordinate k, unit variance,
// labels 0, 1, 2 in turn): a classifier reaches about 95% on it. Shared by the tuner tests.
#include <htune/core/rng.hpp>
#include <htune/core/tensor.hpp>
#include <htune/data/dataset.hpp>
#include <htune/nn/shape.hpp>

#include <cstddef>
#include <cstdint>

namespace htune::test {

template <class T = float>
data::dataset<T> blobs(std::size_t n, std::uint64_t seed) {
    data::dataset<T> d;
    d.features = tensor<T, 2>::from_shape({n, 4});
    d.labels = tensor<std::int32_t, 1>::from_shape({n});
    d.num_classes = 3;
    d.sample_shape = nn::shape{4};
    rng g(seed);
    for (std::size_t i = 0; i < n; ++i) {
        auto const k = static_cast<std::int32_t>(i % 3);
        d.labels(i) = k;
        for (std::size_t j = 0; j < 4; ++j) {
            double const centre = (j == static_cast<std::size_t>(k) ? 2.0 : 0.0);
            d.features(i, j) = static_cast<T>(centre + standard_normal(g));
        }
    }
    return d;
}

} // namespace htune::test
