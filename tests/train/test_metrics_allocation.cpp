// metrics::accuracy is called every epoch: it must allocate nothing. The global operator new is
// replaced once for all test executables (support/allocation_counter.cpp), which counts its calls.

#include <doctest/doctest.h>

#include <htune/metrics.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "allocation_counter.hpp"

namespace m = htune::metrics;

TEST_CASE_TEMPLATE("metrics::accuracy allocates nothing", T, float, double) {
    std::size_t const rows = 1000, cols = 10;
    std::vector<T> out(rows * cols);
    std::vector<std::int32_t> labels(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        labels[i] = static_cast<std::int32_t>(i % cols);
        out[i * cols + (i * 7) % cols] = T(1);
    }
    if (!htune::test::counting_allocations()) return; // a sanitizer owns operator new
    htune::batch_view<T const> const view{out.data(), rows, cols};
    auto const y = htune::labels_of<T>(labels);

    std::size_t const before = htune::test::allocation_count();
    double const acc = m::accuracy{}(view, y);
    double const class_f1 = m::f1<m::average::of_class<3>>{}(view, y); // one class: counters only
    std::size_t const after = htune::test::allocation_count();
    CHECK(after == before);
    CHECK(acc == doctest::Approx(0.2)); // (7 i) % 10 == i % 10 exactly when i % 5 == 0
    CHECK(class_f1 >= 0.0);

    // The counter does see allocations: the macro average and the confusion matrix allocate.
    double const macro = m::f1<>{}(view, y);
    CHECK(htune::test::allocation_count() > after);
    std::size_t const mid = htune::test::allocation_count();
    m::confusion_matrix const cm(view, labels, cols);
    CHECK(htune::test::allocation_count() > mid);
    CHECK(cm.macro_f1() == macro);
}
