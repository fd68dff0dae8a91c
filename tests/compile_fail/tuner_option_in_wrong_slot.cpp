// expect: is[ \n]+not a trainer<model, \.\.\.>, a sampler, a pruner or a validation scheme
// An optimizer given to the tuner: it belongs inside the trainer.
#include "common.hpp"

#ifdef HTUNE_COMPILE_FAIL
using pipeline = tune::tuner<cf::space, optim::adam<>, cf::recipe>;
#else
using pipeline = tune::tuner<cf::space, train::trainer<cf::model, optim::adam<>, train::learning_rate<hp<"lr">{}>>>;
#endif
template void cf::use<pipeline>(data::dataset<float> const&);
