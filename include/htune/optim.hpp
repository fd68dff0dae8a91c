#pragma once
// The optim area: optimizer options, the optimizers and the learning-rate schedules.
#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/one_of.hpp"
#include "optim/options.hpp"
#include "optim/rmsprop.hpp"
#include "optim/schedules.hpp"
#include "optim/sgd.hpp"
