#pragma once
// How study::optimize runs trials lives with the executors now (exec/run_options.hpp); the names
// stay in htune::tune for the programs written with them.

#include "../core/work.hpp"
#include "../exec/run_options.hpp"
#include "progress.hpp"

namespace htune::tune {
using exec::catch_all;
using exec::catch_none;
using exec::catch_only;
using exec::exception_filter;
using exec::on_sigint;
using exec::run_options;
using exec::too_many_failures;
using htune::trial_interrupted;
using htune::trial_pruned;
} // namespace htune::tune
