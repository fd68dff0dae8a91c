// expect: its param must be choice<Name, Types\.\.\.>
// hp<"lr"> written where a layer goes: a number param cannot pick a type.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using model = nn::sequential<nn::dense<16>, hp<"lr">, nn::dense<3>>;
#else
using model = nn::sequential<nn::dense<16>, hp<"act">, nn::dense<3>>;
#endif
using pipeline = tune::tuner<cf::space, train::trainer<model>>;
template void cf::use<pipeline>(data::dataset<float> const&);
