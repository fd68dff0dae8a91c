#pragma once
// A unit of work, as executors see it: one trial to evaluate. The study makes the units and records
// their outcomes; an executor (exec/) only decides where and when each runs: on this thread, on a
// pool of threads, on other MPI ranks, on a job queue. What they share is written here, so that
// exec/ needs nothing of tune/.
//
// A unit's two ways to run (core/concepts/executor.hpp):
//   unit.run();                  the study's objective on this thread
//   unit.run_elsewhere(evaluate); evaluate(view) -> double on this thread, where view has number(),
//                                seed(), config_text(), report(step, value), prune() and should_stop():
//                                evaluate ships the trial somewhere and relays what comes back.
// Either way the study applies its rules to the outcome: retries, the exception filter, the failure
// limit, the journal. An evaluation that ends in prune() (or throws trial_pruned) prunes the trial.

#include <exception>

namespace htune {

// Thrown by an objective (or by trial::prune()) to stop its trial early: the trial becomes pruned.
class trial_pruned : public std::exception {
public:
    char const* what() const noexcept override { return "htune::trial_pruned"; }
};

// Thrown by trial::report() (and so inside an objective) when the run is being stopped by SIGINT;
// the trial becomes failed as interrupted. An objective should let it through.
class trial_interrupted : public std::exception {
public:
    char const* what() const noexcept override { return "interrupted by SIGINT"; }
};

} // namespace htune
