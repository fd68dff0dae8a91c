#pragma once
// Layers, the network and the gradient check.
#include "nn/activations.hpp"
#include "nn/dense.hpp"
#include "nn/dropout.hpp"
#include "nn/flatten.hpp"
#include "nn/gradient_check.hpp"
#include "nn/init.hpp"
#include "nn/network.hpp"
#include "nn/parameterless.hpp"
#include "nn/sequential.hpp"
#include "nn/shape.hpp"
#include "nn/softmax.hpp"
