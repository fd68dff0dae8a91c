// expect: hp_switch<Name> chooses inside one component at run time, which works for a choice of layers, of optimizers or of initializers
// A run-time switch over losses: a loss is not a component that can branch per call; hp<"loss"> dispatches it per trial body.
#include "common.hpp"

using loss_space = search_space<log_uniform<"lr", 1e-4, 1e-1>, choice<"loss", losses::cross_entropy, losses::mse>>;
using model = nn::sequential<nn::dense<3>, nn::softmax>;
#ifdef HTUNE_COMPILE_FAIL
using pipeline = tune::tuner<loss_space, train::trainer<model, hp_switch<"loss">, train::learning_rate<hp<"lr">{}>>>;
#else
using pipeline = tune::tuner<loss_space, train::trainer<model, hp<"loss">, train::learning_rate<hp<"lr">{}>>>;
#endif
template void cf::use<pipeline>(data::dataset<float> const&);
