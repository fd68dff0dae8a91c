#pragma once
// What a layer's forward pass needs besides its input (nn::context names it too).

#include <cstddef>

#include "rng.hpp"

namespace htune {

// What a forward pass needs besides its input: whether it trains (dropout on, batch statistics)
// and a generator for stochastic layers.
//
// When a trainer splits a batch between threads (train::split_batch), each thread passes its
// share of the rows with first_row = where that share starts in the whole batch, and a copy of
// the generator in the same state: a layer that draws once per batch and indexes its random
// values by position (as dropout does) then draws what it would for the whole batch. A layer
// that needs statistics over the whole batch cannot be split this way.
struct forward_context {
    bool training = false;
    rng* generator = nullptr;
    std::size_t first_row = 0;
};

} // namespace htune
