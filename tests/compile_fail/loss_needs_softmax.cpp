// expect: losses::cross_entropy takes probabilities, so the model must end in nn::softmax
// The model's output does not fit the loss: cross_entropy wants probabilities.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using model = nn::sequential<nn::dense<hp<"width">{}>, nn::relu, nn::dense<3>>;
#else
using model = nn::sequential<nn::dense<hp<"width">{}>, nn::relu, nn::dense<3>, nn::softmax>;
#endif
using pipeline = tune::tuner<cf::space, train::trainer<model, losses::cross_entropy>>;
template void cf::use<pipeline>(data::dataset<float> const&);
