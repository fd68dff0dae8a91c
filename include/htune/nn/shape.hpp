#pragma once
// The shape of one sample and the forward pass's context, under the names layers use. Both are
// core vocabulary (core/shape.hpp, core/forward_context.hpp), shared with data sets.

#include "../core/forward_context.hpp"
#include "../core/shape.hpp"

namespace htune::nn {

using htune::shape;
using context = htune::forward_context;

} // namespace htune::nn
