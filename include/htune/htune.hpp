#pragma once
// The umbrella header: everything but optional parts.
#include "version.hpp"

#include "core/blas.hpp"
#include "core/dispatch.hpp"
#include "core/errors.hpp"
#include "core/fixed_string.hpp"
#include "core/rng.hpp"
#include "core/roles.hpp"
#include "core/tensor.hpp"
#include "core/type_list.hpp"

#include "data.hpp"
#include "losses.hpp"
#include "metrics.hpp"
#include "nn.hpp"
#include "optim.hpp"
#include "problems.hpp"
#include "regularizers.hpp"
#include "samplers.hpp"
#include "space.hpp"
#include "train.hpp"
#include "tune.hpp"
