#pragma once
// The targets of a batch under the names losses and metrics use; core vocabulary (core/targets.hpp).

#include "../core/targets.hpp"

namespace htune::losses {

using htune::class_labels;
using htune::labels_of;
using htune::real_values;
using htune::targets;
using htune::values_of;

} // namespace htune::losses
