#pragma once
// Samplers: the sampler role and every built-in sampler (random, sobol, grid, tpe, gp, cmaes).

#include "samplers/cmaes.hpp"
#include "samplers/dimension.hpp"
#include "samplers/gp.hpp"
#include "samplers/grid.hpp"
#include "samplers/options.hpp"
#include "samplers/random.hpp"
#include "samplers/sampler.hpp"
#include "samplers/sobol.hpp"
#include "samplers/tpe.hpp"
