#pragma once
// The status line of a run lives with the executors now (exec/progress.hpp); the name stays in
// htune::tune for the programs written with it.

#include "../exec/progress.hpp"

namespace htune::tune {
using exec::progress_display;
} // namespace htune::tune
