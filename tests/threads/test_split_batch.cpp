#include <doctest/doctest.h>

#include <htune/htune.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "allocation_counter.hpp"
#include "allocation_probe.hpp"
#include "blobs.hpp"

using namespace htune;

namespace {
// 4 -> 128 -> 64 -> 3 with dropout: 9091 parameters, above thread_team::min_parallel, so the
// summed gradients and the update are split too.
using model = nn::sequential<nn::dense<128>, nn::relu, nn::dropout<0.25>, nn::dense<64>, nn::tanh, nn::dense<3>>;

template <class Params>
double max_difference(Params const& a, Params const& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    return worst;
}

template <class Params>
double max_magnitude(Params const& a) {
    double worst = 0;
    for (auto v : a) worst = std::max(worst, std::abs(static_cast<double>(v)));
    return worst;
}

// Fails on the first batch of a worker's share (first_row > 0), to check that a worker's error
// reaches the caller.
struct throws_on_worker {
    using htune_role = role::layer;
    template <class T>
    struct impl : nn::parameterless<T> {
        explicit impl(throws_on_worker const&) {}
        nn::shape setup(nn::shape in, std::size_t) { return in; }
        batch_view<T const> forward(batch_view<T const> in, nn::context& ctx) {
            if (ctx.training && ctx.first_row > 0) throw std::runtime_error("a worker's share failed");
            return in;
        }
        batch_view<T const> backward(batch_view<T const>, batch_view<T const> grad_out, bool) { return grad_out; }
    };
};
} // namespace

TEST_CASE("split batches: the same result up to rounding as one thread, dropout masks included") {
    auto const d = htune::test::blobs(600, 2); // 600 = 9 * 64 + 24: a short last batch
    SUBCASE("one step (float): only summation order differs") {
        // One batch of plain SGD: any difference in a dropout mask or a share's scaling would show
        // as a difference of the order of the gradient itself, not of its rounding.
        train::trainer<model, optim::sgd<>, losses::softmax_cross_entropy, train::epochs<1>, train::batch_size<600>,
                       train::learning_rate<0.5>>
            t;
        auto const one = t.fit(d, 3);
        for (std::size_t threads : {2u, 3u}) {
            t.threads = threads;
            t.split_batch = true;
            REQUIRE(t.splits_batches());
            auto const split = t.fit(d, 3);
            auto const a = one.network().params();
            auto const b = split.network().params();
            // Parameters move by up to ~0.5 in this step; rounding of a float sum of 600 terms is
            // far below 1e-5 of that.
            CHECK(max_difference(a, b) < 1e-5 * std::max(1.0, max_magnitude(a)));
            CHECK(max_difference(a, b) > 0.0); // the sums really were split
            CHECK(split.history.back().train_loss == doctest::Approx(one.history.back().train_loss).epsilon(1e-6));
            t.threads = 1;
        }
    }
    SUBCASE("three epochs of Adam (double): the trajectories agree") {
        train::trainer<model, optim::adam<>, losses::softmax_cross_entropy, train::precision<double>, train::epochs<3>,
                       train::batch_size<64>>
            t;
        auto const dd = htune::test::blobs<double>(600, 2);
        auto const one = t.fit(dd, 5);
        t.threads = 2;
        t.split_batch = true;
        auto const split = t.fit(dd, 5);
        CHECK(max_difference(one.network().params(), split.network().params()) < 1e-9);
        CHECK(split.history.back().train_loss == doctest::Approx(one.history.back().train_loss).epsilon(1e-9));
    }
}

TEST_CASE("split batches: validation is evaluated on all threads, with the result of one") {
    auto const d = htune::test::blobs(640, 3);
    auto const validation = htune::test::blobs(1001, 8); // not a multiple of anything: uneven parts
    train::trainer<model, train::epochs<2>, train::batch_size<64>, train::threads<3>, train::split_batch<true>> t;
    auto r = t.fit(d, validation, 2);
    REQUIRE(r.history.size() == 2);
    auto const serial = r.evaluate(validation); // one thread, the final network
    CHECK(r.history.back().validation_loss == doctest::Approx(serial.loss).epsilon(1e-6));
    CHECK(r.history.back().validation_score == serial.score);
    CHECK(serial.score > 0.8);
}

TEST_CASE("split batches: reproducible for a given thread count, with or without regularizers") {
    auto const d = htune::test::blobs(600, 4);
    auto same_twice = [&](auto t) {
        t.threads = 3;
        t.split_batch = true;
        auto const a = t.fit(d, 9);
        auto const b = t.fit(d, 9);
        auto const pa = a.network().params();
        auto const pb = b.network().params();
        CHECK(std::equal(pa.begin(), pa.end(), pb.begin(), pb.end()));
        CHECK(a.history.back().train_loss == b.history.back().train_loss);
        t.threads = 1;
        auto const one = t.fit(d, 9);
        CHECK(max_difference(one.network().params(), pa) < 1e-3);
    };
    SUBCASE("adam: the gradient sums are fused into the split update") {
        same_twice(train::trainer<model, optim::adam<>, train::epochs<2>, train::batch_size<32>>{});
    }
    SUBCASE("l2 regularizer: summed first, then regularised, then updated") {
        same_twice(train::trainer<model, optim::sgd<optim::momentum<0.9>>, regularizers::l2<1e-3>, train::epochs<2>,
                                  train::batch_size<32>>{});
    }
}

TEST_CASE("split batches: batches smaller than the team, and settings that do not split") {
    auto const d = htune::test::blobs(50, 6);
    train::trainer<model, train::epochs<2>, train::batch_size<1>> t;
    t.threads = 2;
    CHECK_FALSE(t.splits_batches()); // split_batch is off by default
    t.split_batch = true;
    CHECK(t.splits_batches());
    CHECK(t.blas_threads_for(1) == 1);
    auto const r = t.fit(d, 2); // every batch: one row for the caller, none for the worker
    auto const one = [&] {
        t.threads = 1;
        return t.fit(d, 2);
    }();
    CHECK_FALSE(t.splits_batches()); // one thread: nothing to split
    // One row per batch: the worker's share is empty and the sums are the caller's alone.
    auto const a = r.network().params();
    auto const b = one.network().params();
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));

    train::trainer<model, train::epochs<1>, train::batch_size<5>, train::threads<4>, train::split_batch<true>> odd;
    auto const o = odd.fit(d, 3); // 5 rows over 4 threads: shares of 2, 2, 1 and 0 rows
    CHECK(std::isfinite(o.history.back().train_loss));
}

TEST_CASE("split batches: an error on a worker reaches the caller, and the next fit works") {
    using failing = nn::sequential<nn::dense<8>, throws_on_worker, nn::dense<3>>;
    auto const d = htune::test::blobs(64, 1);
    train::trainer<failing, train::epochs<1>, train::batch_size<16>, train::threads<2>, train::split_batch<true>> t;
    CHECK_THROWS_WITH(t.fit(d, 1), "a worker's share failed");
    t.split_batch = false;
    CHECK(std::isfinite(t.fit(d, 1).history.back().train_loss));
}

TEST_CASE("split batches: no allocation in the batch loop after the first batch") {
    if (!htune::test::counting_allocations()) return; // sanitizer runtime owns operator new
    using htune::test::allocation_probe;
    std::vector<std::size_t> counts;
    counts.reserve(100);
    auto const d = htune::test::blobs(1000, 5);
    train::trainer<model, optim::adam<>, regularizers::l2<1e-4>, train::epochs<2>, train::batch_size<64>,
                   train::threads<2>, train::split_batch<true>, allocation_probe>
        t;
    std::get<0>(t.callbacks).counts = &counts;
    t.fit(d, 1);
    REQUIRE(counts.size() == 32);
    CHECK(counts[15] == counts[0]);
    CHECK(counts[31] == counts[16]);
}
