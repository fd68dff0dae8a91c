// state::step must not allocate: buffers are sized once, when the state is made. Counted with
// the replaced global operator new of tests/support/allocation_counter.cpp.

#include <doctest/doctest.h>

#include <htune/optim.hpp>

#include <cstddef>
#include <span>
#include <vector>

#include "allocation_counter.hpp"

using htune::test::allocation_count;

namespace {
template <class T, class Optimizer>
void check_no_allocation(Optimizer const& opt) {
    if (!htune::test::counting_allocations()) return; // sanitizer builds own operator new
    std::size_t const n = 1000;
    std::vector<T> p(n, T(0.5)), g(n, T(0.25));
    typename Optimizer::template state<T> s(opt, n);
    std::size_t const before = allocation_count();
    for (int k = 0; k < 100; ++k) s.step(std::span<T>(p), std::span<T const>(g), T(0.01));
    std::size_t const after = allocation_count();
    CHECK(after == before);
    CHECK(s.steps() == 100);
}
} // namespace

TEST_CASE("the counter sees allocations") {
    if (!htune::test::counting_allocations()) return; // sanitizer builds own operator new
    std::size_t const before = allocation_count();
    auto* v = new std::vector<double>(100);
    CHECK(allocation_count() >= before + 2);
    delete v;
}

TEST_CASE_TEMPLATE("state::step does not allocate", T, float, double) {
    using namespace htune::optim;
    check_no_allocation<T>(sgd<>{});
    check_no_allocation<T>(sgd<momentum<0.9>>{});
    check_no_allocation<T>(sgd<momentum<0.9>, nesterov, weight_decay<1e-4>>{});
    check_no_allocation<T>(adam<>{});
    check_no_allocation<T>(adamw<>{});
    check_no_allocation<T>(rmsprop<>{});
    check_no_allocation<T>(rmsprop<centered, momentum<0.9>>{});
    check_no_allocation<T>(adagrad<lr_decay<0.01>>{});
}
