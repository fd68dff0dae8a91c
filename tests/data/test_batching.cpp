#include <doctest/doctest.h>

#include <htune/data/batching.hpp>
#include <htune/data/dataset.hpp>

#include <algorithm>
#include <iterator>
#include <numeric>
#include <ranges>
#include <vector>

#include "data_test_support.hpp"

using htune::rng;
using htune::data::batch_count;
using htune::data::batch_sampler;
using htune::test::contains;
using htune::test::thrown_message;

static_assert(std::ranges::input_range<batch_sampler::range>);
static_assert(std::forward_iterator<batch_sampler::iterator>);

TEST_CASE("batch_count rounds up, or down with drop_last") {
    static_assert(batch_count(10, 3) == 4);
    static_assert(batch_count(10, 3, true) == 3);
    CHECK(batch_count(9, 3) == 3);
    CHECK(batch_count(9, 3, true) == 3);
    CHECK(batch_count(0, 5) == 0);
    CHECK(batch_count(2, 5, true) == 0);
    CHECK(batch_count(2, 5) == 1);
    CHECK(contains(thrown_message<htune::invalid_argument>([] { (void)batch_count(4, 0); }),
                   "htune::data::batch_count: batch_size must be > 0"));
    CHECK(contains(thrown_message<htune::invalid_argument>([] { batch_sampler(4, 0, rng(1)); }),
                   "htune::data::batch_sampler: batch_size must be > 0"));
}

TEST_CASE("each epoch is a permutation cut into batches; the last may be smaller") {
    batch_sampler sampler(10, 3, rng(5));
    CHECK(sampler.batches() == 4);
    std::vector<std::vector<std::size_t>> epochs;
    for (int e = 0; e < 3; ++e) {
        std::vector<std::size_t> seen, sizes;
        for (std::span<std::size_t const> batch : sampler.epoch()) {
            sizes.push_back(batch.size());
            seen.insert(seen.end(), batch.begin(), batch.end());
        }
        CHECK(sizes == std::vector<std::size_t>{3, 3, 3, 1});
        auto sorted = seen;
        std::sort(sorted.begin(), sorted.end());
        std::vector<std::size_t> all(10);
        std::iota(all.begin(), all.end(), std::size_t{0});
        CHECK(sorted == all);
        epochs.push_back(seen);
    }
    CHECK(sampler.epochs() == 3);
    CHECK(epochs[0] != epochs[1]); // reshuffled every epoch
    CHECK(epochs[1] != epochs[2]);

    // The same seed replays the same epochs.
    batch_sampler replay(10, 3, rng(5));
    for (auto const& expected : epochs) {
        std::vector<std::size_t> seen;
        for (auto batch : replay.epoch()) seen.insert(seen.end(), batch.begin(), batch.end());
        CHECK(seen == expected);
    }
    batch_sampler other(10, 3, rng(6));
    std::vector<std::size_t> first;
    for (auto batch : other.epoch()) first.insert(first.end(), batch.begin(), batch.end());
    CHECK(first != epochs[0]);
}

TEST_CASE("drop_last skips the short batch; shuffle = false keeps the order") {
    batch_sampler dropped(10, 3, rng(1), {.drop_last = true});
    CHECK(dropped.batches() == 3);
    std::size_t count = 0;
    for (auto batch : dropped.epoch()) {
        CHECK(batch.size() == 3);
        ++count;
    }
    CHECK(count == 3);

    batch_sampler ordered(7, 4, rng(1), {.drop_last = false, .shuffle = false});
    for (int e = 0; e < 2; ++e) {
        auto const epoch = ordered.epoch();
        REQUIRE(epoch.size() == 2);
        auto it = epoch.begin();
        CHECK(std::vector<std::size_t>((*it).begin(), (*it).end()) == std::vector<std::size_t>{0, 1, 2, 3});
        ++it;
        CHECK(std::vector<std::size_t>((*it).begin(), (*it).end()) == std::vector<std::size_t>{4, 5, 6});
        CHECK(++it == epoch.end());
    }

    batch_sampler none(0, 4, rng(1));
    CHECK(none.epoch().begin() == none.epoch().end());
}

TEST_CASE("batches are views into one buffer: no allocation per batch or epoch") {
    batch_sampler sampler(100, 16, rng(3));
    std::size_t const* const buffer = sampler.order().data();
    for (int e = 0; e < 5; ++e) {
        std::size_t b = 0;
        for (auto batch : sampler.epoch()) {
            CHECK(batch.data() == buffer + 16 * b);
            CHECK(batch.data() == sampler.batch(b).data());
            ++b;
        }
        CHECK(sampler.order().data() == buffer);
    }

    // With gather, a dataset batch buffer sized once takes every batch.
    htune::data::dataset<float> data;
    data.features = htune::tensor<float, 2>(std::array<std::size_t, 2>{100, 2});
    data.labels = htune::tensor<std::int32_t, 1>(std::array<std::size_t, 1>{100});
    for (std::size_t i = 0; i < 100; ++i) {
        data.features(i, 0) = static_cast<float>(i);
        data.labels(i) = static_cast<std::int32_t>(i % 4);
    }
    data.num_classes = 4;
    htune::data::dataset<float> batch;
    batch.features = htune::tensor<float, 2>(std::array<std::size_t, 2>{16, 2});
    batch.labels = htune::tensor<std::int32_t, 1>(std::array<std::size_t, 1>{16});
    float const* features = batch.features.data();
    for (auto rows : sampler.epoch()) {
        htune::data::gather(data, rows, batch);
        CHECK(batch.features.data() == features);
        for (std::size_t r = 0; r < rows.size(); ++r) {
            CHECK(batch.features(r, 0) == static_cast<float>(rows[r]));
            CHECK(batch.labels(r) == static_cast<std::int32_t>(rows[r] % 4));
        }
    }
}
