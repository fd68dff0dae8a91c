#pragma once
// The regularizers area: penalties on a network's weights.
#include "regularizers/elastic_net.hpp"
#include "regularizers/l1.hpp"
#include "regularizers/l2.hpp"
