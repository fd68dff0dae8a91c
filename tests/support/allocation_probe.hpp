#pragma once
// A trainer callback that records the allocation count at the end of every batch, so a test can
// check that the batch loop allocates nothing after its first batch.
#include <htune/core/roles.hpp>
#include <htune/train/callbacks.hpp>

#include <cstddef>
#include <vector>

#include "allocation_counter.hpp"

namespace htune::test {

struct allocation_probe {
    using htune_role = role::callback;
    std::vector<std::size_t>* counts = nullptr;
    void on_batch_end(train::batch_info const&) { counts->push_back(allocation_count()); }
};

} // namespace htune::test
