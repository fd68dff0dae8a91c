#pragma once
// Losses: softmax_cross_entropy, cross_entropy, mse, binary_cross_entropy.
#include "losses/binary_cross_entropy.hpp"
#include "losses/cross_entropy.hpp"
#include "losses/mse.hpp"
#include "losses/targets.hpp"
