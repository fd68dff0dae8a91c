#pragma once
// Executors: where a study's trials run (one at a time here, on threads), and how a run goes
// (run options, the status line). The MPI executor needs <mpi.h>: include <htune/exec/mpi.hpp>.

#include "core/concepts/executor.hpp"
#include "core/work.hpp"
#include "exec/progress.hpp"
#include "exec/run_options.hpp"
#include "exec/serial.hpp"
#include "exec/threads.hpp"
