// Runs tests/mpi's study under mpirun: rank 0 keeps the journal, the others evaluate.
//   mpi_study JOURNAL COMPLETE_TRIALS SLEEP_MS PID_DIR
// Each rank writes its pid to PID_DIR/rank-R.pid (the kill test picks a worker from them).
#include <htune/mpi/executor.hpp>
#include <htune/storage/journal.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include "mpi_objective.hpp"

int main(int argc, char** argv) {
    htune::mpi::environment env(argc, argv);
    if (argc != 5) {
        std::fprintf(stderr, "usage: mpi_study JOURNAL COMPLETE_TRIALS SLEEP_MS PID_DIR\n");
        return 2;
    }
    std::string const journal = argv[1];
    auto const target = std::stoull(argv[2]);
    htune::test::mpi_objective const objective{std::atoi(argv[3])};
    int const rank = env.rank();
    std::ofstream(std::string(argv[4]) + "/rank-" + std::to_string(rank) + ".pid") << ::getpid() << "\n";
    try {
        if (rank == 0) {
            htune::storage::journal_options o;
            o.sync = false;
            htune::test::mpi_study s({.seed = 11, .lag = htune::test::mpi_lag},
                                     htune::storage::open_journal(journal, o));
            htune::mpi::optimize_until(s, objective, target);
            std::printf("rank 0: %zu complete, %zu failed\n", s.count(htune::tune::trial_state::complete),
                        s.count(htune::tune::trial_state::failed));
        } else {
            auto const n = htune::mpi::serve<htune::test::mpi_space>(objective);
            std::printf("rank %d: %llu trials\n", rank, static_cast<unsigned long long>(n));
        }
    } catch (std::exception const& e) {
        std::fprintf(stderr, "rank %d: %s\n", rank, e.what());
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    return 0;
}
