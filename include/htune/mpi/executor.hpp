#pragma once
// The MPI executor lives with the other executors now: exec/mpi.hpp (htune::exec::mpi_ranks, and
// htune::mpi::environment, serve, optimize and optimize_until as before). Kept for the programs
// that include this path.

#include "../exec/mpi.hpp"
