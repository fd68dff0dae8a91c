#pragma once
// Test problems for samplers and optimisers (Branin, Hartmann6, Rosenbrock, shifted Ackley), shared
// by tests, examples and bench. Each is a small value type with name(), dimensions(), lower(i),
// upper(i), optimum_value(), optimum_point() and operator()(std::span<double const>).

#include "problems/ackley.hpp"
#include "problems/branin.hpp"
#include "problems/hartmann6.hpp"
#include "problems/rosenbrock.hpp"
