#pragma once
// Pruners: the pruner role and every built-in pruner (none, median, percentile, successive_halving,
// hyperband).

#include "pruners/hyperband.hpp"
#include "pruners/median.hpp"
#include "pruners/none.hpp"
#include "pruners/percentile.hpp"
#include "pruners/pruner.hpp"
#include "pruners/successive_halving.hpp"
