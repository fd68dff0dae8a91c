#include <doctest/doctest.h>

#include <htune/data/kfold.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "data_test_support.hpp"

using htune::data::fold_rows;
using htune::data::kfold_rows;
using htune::data::stratified_kfold_rows;
using htune::test::contains;
using htune::test::temp_file;
using htune::test::thrown_message;

namespace {

// Validation rows of each fold, as "0 1 2 | 3 4 | ...".
std::string validation_text(std::vector<fold_rows> const& folds) {
    std::string out;
    for (std::size_t f = 0; f < folds.size(); ++f) {
        if (f) out += " | ";
        for (std::size_t i = 0; i < folds[f].validation.size(); ++i) {
            if (i) out += ' ';
            out += std::to_string(folds[f].validation[i]);
        }
    }
    return out;
}

std::string python_list(std::vector<std::int32_t> const& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
    return out + "]";
}

// Every row validates in exactly one fold; each fold trains on the others; both sorted.
void check_partition(std::vector<fold_rows> const& folds, std::size_t n) {
    std::vector<int> seen(n, 0);
    for (auto const& f : folds) {
        CHECK(std::is_sorted(f.validation.begin(), f.validation.end()));
        CHECK(std::is_sorted(f.train.begin(), f.train.end()));
        CHECK(f.train.size() + f.validation.size() == n);
        std::set<std::size_t> both(f.train.begin(), f.train.end());
        both.insert(f.validation.begin(), f.validation.end());
        CHECK(both.size() == n);
        for (auto const row : f.validation) ++seen[row];
    }
    CHECK(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
}

// Labels with classes first seen out of order, unbalanced, one class smaller than k.
std::vector<std::int32_t> mixed_labels() {
    std::vector<std::int32_t> y;
    for (int i = 0; i < 37; ++i) y.push_back(static_cast<std::int32_t>((i * 7 + 2) % 5 < 3 ? 2 : (i % 3 == 0 ? 0 : 1)));
    y[20] = 7;
    y[33] = 7;
    return y;
}

} // namespace

TEST_CASE("kfold: unshuffled folds are scikit-learn's KFold and StratifiedKFold") {
    auto const mixed = mixed_labels();
    std::vector<std::int32_t> imbalanced(25, 0);
    for (int i : {3, 9, 10, 17, 24}) imbalanced[static_cast<std::size_t>(i)] = 1;

    // What python3-sklearn 1.2 (Debian 12) prints for the script below; the suite does not need
    // scikit-learn (a benchmark peer), but compares with it live where it is installed.
    std::vector<std::string> lines{
        "0 1 2 3 4 | 5 6 7 8 9 | 10 11 12 13 14 | 15 16 17 18 | 19 20 21 22", "0 1 2 | 3 4 5 | 6 7 8",
        "0 1 2 3 4 5 7 8 9 20 | 6 10 11 12 13 14 15 16 17 | 18 19 21 22 23 24 25 26 27 | 28 29 30 31 32 33 34 35 36",
        "0 1 2 3 4 5 6 7 9 | 8 10 11 12 13 14 15 16 | 17 18 19 20 21 22 23 24"};
    if (std::system("/usr/bin/python3 -c 'import sklearn' > /dev/null 2>&1") == 0) {
        temp_file script("kfold.py");
        temp_file out("kfold.out");
        script.write("import numpy as np, warnings\n"
                     "from sklearn.model_selection import KFold, StratifiedKFold\n"
                     "warnings.simplefilter('ignore')\n"
                     "def show(splits): print(' | '.join(' '.join(map(str, t)) for _, t in splits))\n"
                     "show(KFold(5).split(np.zeros(23)))\n"
                     "show(KFold(3).split(np.zeros(9)))\n"
                     "y = np.array(" +
                     python_list(mixed) +
                     ")\n"
                     "show(StratifiedKFold(4).split(np.zeros(len(y)), y))\n"
                     "y = np.array(" +
                     python_list(imbalanced) +
                     ")\n"
                     "show(StratifiedKFold(3).split(np.zeros(len(y)), y))\n");
        int const rc = std::system(("/usr/bin/python3 " + script.name() + " > " + out.name() + " 2>&1").c_str());
        std::ifstream in(out.path());
        std::vector<std::string> live;
        for (std::string line; std::getline(in, line);) live.push_back(line);
        REQUIRE(rc == 0);
        CHECK(live == lines);
    } else {
        MESSAGE("python3-sklearn is not installed: comparing with its recorded output only");
    }
    REQUIRE(lines.size() == 4);
    CHECK(validation_text(kfold_rows(23, 5)) == lines[0]);
    CHECK(validation_text(kfold_rows(9, 3)) == lines[1]);
    CHECK(validation_text(stratified_kfold_rows(mixed, 4)) == lines[2]);
    CHECK(validation_text(stratified_kfold_rows(imbalanced, 3)) == lines[3]);
    check_partition(kfold_rows(23, 5), 23);
    check_partition(stratified_kfold_rows(mixed, 4), mixed.size());
}

TEST_CASE("kfold: shuffled folds are reproducible partitions; stratified ones keep the class proportions") {
    auto const y = mixed_labels();
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        CAPTURE(seed);
        auto const plain = kfold_rows(y.size(), 5, seed);
        check_partition(plain, y.size());
        CHECK(validation_text(plain) == validation_text(kfold_rows(y.size(), 5, seed)));
        auto const strat = stratified_kfold_rows(y, 4, seed);
        check_partition(strat, y.size());
        CHECK(validation_text(strat) == validation_text(stratified_kfold_rows(y, 4, seed)));
        // Each class's count differs by at most one between folds; fold sizes too.
        std::map<std::int32_t, std::vector<std::size_t>> per_class;
        for (std::size_t f = 0; f < strat.size(); ++f)
            for (auto const row : strat[f].validation) {
                auto& counts = per_class[y[row]];
                counts.resize(strat.size());
                ++counts[f];
            }
        for (auto& [label, counts] : per_class) {
            CAPTURE(label);
            counts.resize(strat.size());
            CHECK(*std::max_element(counts.begin(), counts.end()) - *std::min_element(counts.begin(), counts.end()) <=
                  1);
        }
        std::size_t smallest = y.size(), largest = 0;
        for (auto const& f : strat) {
            smallest = std::min(smallest, f.validation.size());
            largest = std::max(largest, f.validation.size());
        }
        CHECK(largest - smallest <= 1);
    }
    CHECK(validation_text(kfold_rows(y.size(), 5, 1u)) != validation_text(kfold_rows(y.size(), 5, 2u)));
    CHECK(validation_text(stratified_kfold_rows(y, 4, 1u)) != validation_text(stratified_kfold_rows(y, 4, 2u)));
}

TEST_CASE("kfold: the folds of a data set, materialised one at a time") {
    htune::data::dataset<float> d;
    std::size_t const n = 10;
    d.features = htune::tensor<float, 2>(std::array<std::size_t, 2>{n, 1});
    d.labels = htune::tensor<std::int32_t, 1>(std::array<std::size_t, 1>{n});
    for (std::size_t i = 0; i < n; ++i) {
        d.features(i, 0) = static_cast<float>(i);
        d.labels(i) = static_cast<std::int32_t>(i % 2);
    }
    d.num_classes = 2;
    d.sample_shape = htune::shape{1};
    auto const folds = kfold_rows(d, 5, std::uint64_t{4}, true);
    REQUIRE(folds.size() == 5);
    for (auto const& rows : folds) {
        auto const [train, validation] = htune::data::fold(d, rows);
        REQUIRE(validation.size() == 2);
        CHECK(train.size() == 8);
        CHECK(validation.labels(0) != validation.labels(1)); // one of each class
        for (std::size_t i = 0; i < validation.size(); ++i)
            CHECK(validation.features(i, 0) == static_cast<float>(rows.validation[i]));
    }
}

TEST_CASE("kfold: impossible folds are errors naming k and the data") {
    CHECK(
        contains(thrown_message<htune::invalid_argument>([] { (void)kfold_rows(10, 1); }), "k (1) must be at least 2"));
    CHECK(contains(thrown_message<htune::invalid_argument>([] { (void)kfold_rows(3, 4); }),
                   "k (4) is more than the 3 samples"));
    // A class smaller than k is allowed while some class has k samples (scikit-learn warns there).
    std::vector<std::int32_t> const some{0, 1, 2, 0, 1, 0};
    CHECK(stratified_kfold_rows(some, 3).size() == 3);
    std::vector<std::int32_t> const small{0, 1, 2, 0, 1};
    CHECK(contains(thrown_message<htune::invalid_argument>([&] { (void)stratified_kfold_rows(small, 3); }),
                   "k (3) is more than the samples of every class (at most 2)"));
    std::vector<std::int32_t> const negative{0, -1, 0, 1};
    CHECK(contains(thrown_message<htune::data_error>([&] { (void)stratified_kfold_rows(negative, 2); }),
                   "label of sample 1 is -1, negative"));
    htune::data::dataset<float> regression;
    regression.features = htune::tensor<float, 2>(std::array<std::size_t, 2>{4, 1});
    regression.targets = htune::tensor<float, 2>(std::array<std::size_t, 2>{4, 1});
    CHECK(contains(thrown_message<htune::invalid_argument>([&] { (void)kfold_rows(regression, 2, {}, true); }),
                   "stratified = true needs a classification data set"));
}
