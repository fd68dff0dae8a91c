#pragma once
// The metrics area: confusion matrix, classification metrics (accuracy, precision, recall, f1) and
// regression metrics (mse, mae, r2). Each metric satisfies htune::concepts::metric.
#include "core/concepts/metric.hpp"
#include "metrics/classification.hpp"
#include "metrics/confusion.hpp"
#include "metrics/regression.hpp"
