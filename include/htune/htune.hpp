#pragma once
// The umbrella header: everything but optional parts.
#include "version.hpp"
