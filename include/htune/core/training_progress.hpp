#pragma once
// Where training stands, as a learning-rate schedule sees it (optim::progress names it too).

#include <cstddef>

namespace htune {

// step counts the optimizer steps taken since the start (0 before the first), steps is the total
// planned; epoch is 0-based, epochs the total planned.
struct training_progress {
    std::size_t epoch = 0;
    std::size_t epochs = 0;
    std::size_t step = 0;
    std::size_t steps = 0;
};

} // namespace htune
