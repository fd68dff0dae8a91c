#include <doctest/doctest.h>

#include <htune/data/split.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "data_test_support.hpp"

using htune::data::subset;
using htune::data::train_validation_split;
using htune::test::contains;
using htune::test::thrown_message;

namespace {

// Row i has features (i, -i) and label class_of(i); class sizes given per class.
template <class T>
htune::data::dataset<T> classes(std::vector<std::size_t> const& sizes) {
    std::vector<std::int32_t> labels;
    for (std::size_t k = 0; k < sizes.size(); ++k) labels.insert(labels.end(), sizes[k], static_cast<std::int32_t>(k));
    htune::data::dataset<T> d;
    std::size_t const n = labels.size();
    d.features = htune::tensor<T, 2>(std::array<std::size_t, 2>{n, 2});
    d.labels = htune::tensor<std::int32_t, 1>(std::array<std::size_t, 1>{n});
    for (std::size_t i = 0; i < n; ++i) {
        d.features(i, 0) = static_cast<T>(i);
        d.features(i, 1) = -static_cast<T>(i);
        d.labels(i) = labels[i];
    }
    d.num_classes = sizes.size();
    d.sample_shape = htune::shape{2};
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        std::string name = "c";
        name += std::to_string(k);
        d.class_names.push_back(name);
    }
    return d;
}

template <class T>
std::vector<std::size_t> row_ids(htune::data::dataset<T> const& d) {
    std::vector<std::size_t> ids;
    for (std::size_t i = 0; i < d.size(); ++i) ids.push_back(static_cast<std::size_t>(d.features(i, 0)));
    return ids;
}

template <class T>
std::vector<std::size_t> class_counts(htune::data::dataset<T> const& d) {
    std::vector<std::size_t> counts(d.num_classes);
    for (std::size_t i = 0; i < d.size(); ++i) ++counts[static_cast<std::size_t>(d.labels(i))];
    return counts;
}

} // namespace

TEST_CASE_TEMPLATE("subset copies the chosen rows with their labels or targets", T, float, double) {
    auto const d = classes<T>({3, 2});
    std::vector<std::size_t> const rows{4, 0, 4};
    auto const s = subset(d, rows);
    REQUIRE(s.size() == 3);
    CHECK(s.features(0, 0) == T(4));
    CHECK(s.features(0, 1) == T(-4));
    CHECK(s.features(1, 0) == T(0));
    CHECK(s.labels(0) == 1);
    CHECK(s.labels(1) == 0);
    CHECK(s.labels(2) == 1);
    CHECK(s.num_classes == 2);
    CHECK(s.sample_shape == d.sample_shape);
    CHECK(s.class_names == d.class_names);

    htune::data::dataset<T> r;
    r.features = htune::tensor<T, 2>{{1, 2}, {3, 4}, {5, 6}};
    r.targets = htune::tensor<T, 2>{{10, 11}, {20, 21}, {30, 31}};
    std::vector<std::size_t> const two{2, 1};
    auto const rs = subset(r, two);
    CHECK((rs.targets == htune::tensor<T, 2>{{30, 31}, {20, 21}}));
    CHECK((rs.features == htune::tensor<T, 2>{{5, 6}, {3, 4}}));
    CHECK(subset(r, std::vector<std::size_t>{}).size() == 0);

    std::vector<std::size_t> const bad{1, 5};
    auto const message = thrown_message<htune::invalid_argument>([&] { subset(d, bad); });
    CHECK(contains(message, "htune::data::subset: rows[1] = 5 is out of range for a data set of 5 samples"));
}

TEST_CASE_TEMPLATE("a random split is a reproducible partition of the rows", T, float, double) {
    auto const d = classes<T>({60, 40});
    auto const a = train_validation_split(d, 0.2, 42);
    CHECK(a.validation.size() == 20);
    CHECK(a.train.size() == 80);
    auto ta = row_ids(a.train), va = row_ids(a.validation);
    CHECK(std::is_sorted(ta.begin(), ta.end())); // original order within each part
    std::set<std::size_t> all(ta.begin(), ta.end());
    all.insert(va.begin(), va.end());
    CHECK(all.size() == 100); // disjoint and complete
    for (std::size_t i = 0; i < a.train.size(); ++i)
        CHECK(a.train.labels(i) == d.labels(static_cast<std::size_t>(a.train.features(i, 0))));

    auto const b = train_validation_split(d, 0.2, 42);
    CHECK(row_ids(b.validation) == va);
    auto const c = train_validation_split(d, 0.2, 43);
    CHECK(row_ids(c.validation) != va);
    CHECK(a.train.class_names == d.class_names);

    // 0.25 of 10 rounds to 3 (half away from zero), 0.33 of 10 to 3.
    auto const small = classes<T>({10});
    CHECK(train_validation_split(small, 0.25, 1).validation.size() == 3);
    CHECK(train_validation_split(small, 0.33, 1).validation.size() == 3);
}

TEST_CASE("stratified splits keep the class proportions and the total") {
    auto const d = classes<double>({50, 30, 20});
    auto const s = train_validation_split(d, 0.2, 7, true);
    CHECK(class_counts(s.validation) == std::vector<std::size_t>{10, 6, 4});
    CHECK(class_counts(s.train) == std::vector<std::size_t>{40, 24, 16});

    // Shares 2.1, 1.5 and 0.9 of round(15 * 0.3) = 5 rows: floors 2, 1, 0, then the largest
    // remainders (0.9, then 0.5) take the two rows left.
    auto const u = classes<double>({7, 5, 3});
    auto const us = train_validation_split(u, 0.3, 3, true);
    CHECK(class_counts(us.validation) == std::vector<std::size_t>{2, 2, 1});
    CHECK(us.train.size() + us.validation.size() == 15);

    auto const again = train_validation_split(u, 0.3, 3, true);
    CHECK(row_ids(again.validation) == row_ids(us.validation));
    std::set<std::size_t> seen;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        auto const ids = row_ids(train_validation_split(u, 0.3, seed, true).validation);
        seen.insert(ids.begin(), ids.end());
    }
    CHECK(seen.size() > 10); // the rows chosen within a class vary with the seed
}

TEST_CASE("bad fractions, empty parts and stratified regression are rejected") {
    auto const d = classes<float>({5, 5});
    for (double f : {0.0, 1.0, -0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
        CAPTURE(f);
        auto const message = thrown_message<htune::invalid_argument>([&] { train_validation_split(d, f, 1); });
        CHECK(contains(message, "htune::data::train_validation_split: validation_fraction ("));
        CHECK(contains(message, ") must be in (0, 1)"));
    }
    CHECK(contains(thrown_message<htune::invalid_argument>([&] { train_validation_split(d, 1.5, 1); }), "(1.5)"));

    auto const tiny = thrown_message<htune::invalid_argument>([&] { train_validation_split(d, 0.01, 1); });
    CHECK(contains(tiny, "validation_fraction (0.01) of 10 samples leaves the validation part empty"));
    auto const full = thrown_message<htune::invalid_argument>([&] { train_validation_split(d, 0.97, 1); });
    CHECK(contains(full, "leaves the training part empty"));

    htune::data::dataset<float> r;
    r.features = htune::tensor<float, 2>{{1}, {2}, {3}, {4}};
    r.targets = htune::tensor<float, 2>{{1}, {2}, {3}, {4}};
    auto const split = train_validation_split(r, 0.5, 9);
    CHECK(split.validation.targets.shape()[0] == 2);
    for (std::size_t i = 0; i < 2; ++i) CHECK(split.validation.targets(i, 0) == split.validation.features(i, 0));
    CHECK(contains(thrown_message<htune::invalid_argument>([&] { train_validation_split(r, 0.5, 9, true); }),
                   "stratified = true needs a classification data set"));
}
