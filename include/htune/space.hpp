#pragma once
// Search spaces: params (uniform, log_uniform, int_uniform, discrete, choice, choice_of, conditional),
// search_space, its typed configs and their text form.

#include "space/choice.hpp"
#include "space/conditional.hpp"
#include "space/config.hpp"
#include "space/config_text.hpp"
#include "space/discrete.hpp"
#include "space/int_uniform.hpp"
#include "space/log_uniform.hpp"
#include "space/param_common.hpp"
#include "space/search_space.hpp"
#include "space/uniform.hpp"
#include "space/unit_layout.hpp"
