// htune::mpi under mpirun -np 3 (oversubscribed on small machines): the study equals a sequential
// one with the same seed and lag; killing a worker rank aborts the job, and mpirun again resumes it
// from the journal to exactly the asked number of complete trials.
#include <doctest/doctest.h>

#include <htune/storage/journal.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "files.hpp"
#include "mpi_objective.hpp"

using namespace htune;
using tune::trial_state;

namespace {

// Starts `mpirun -np 3 mpi_study ...` with its output in dir/mpirun.log; returns its pid.
pid_t start_mpirun(test::temp_dir const& dir, std::uint64_t target, int sleep_ms) {
    std::cout.flush();
    pid_t const pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int const fd = ::open((dir / "mpirun.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
        ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
        ::setenv("OMPI_MCA_btl", "self,vader", 1); // one machine: shared memory only
        ::setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
        ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1); // Open MPI keeps memory until exit
        std::string const journal = (dir / "study.jsonl").string(), n = std::to_string(target),
                          sleep = std::to_string(sleep_ms), pids = dir.path.string();
        ::execl(HTUNE_MPIEXEC, HTUNE_MPIEXEC, "-np", "3", "--oversubscribe", HTUNE_MPI_STUDY, journal.c_str(),
                n.c_str(), sleep.c_str(), pids.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

int wait_for(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

std::string log_of(test::temp_dir const& dir) {
    std::ifstream in(dir / "mpirun.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

storage::journal_options quiet() {
    storage::journal_options o;
    o.sync = false;
    o.warn = [](std::string const&) {};
    return o;
}

// The reference: the same study in one process, one trial at a time.
test::mpi_study const& reference(std::uint64_t target) {
    static test::mpi_study s({.seed = 11, .lag = test::mpi_lag});
    static bool done = false;
    if (!done) {
        s.optimize_until(test::mpi_objective{}, target);
        done = true;
    }
    return s;
}

void check_same_as_reference(test::mpi_study const& s, std::uint64_t target) {
    auto const& ref = reference(target);
    CHECK(s.count(trial_state::complete) == target);
    CHECK(s.count(trial_state::running) == 0);
    REQUIRE(s.trials().size() == ref.trials().size());
    for (std::size_t i = 0; i < s.trials().size(); ++i) {
        CAPTURE(i);
        auto const& a = s.trials()[i];
        auto const& b = ref.trials()[i];
        CHECK(a.state == b.state);
        CHECK(a.config == b.config);
        if (a.state == trial_state::complete) CHECK(a.value == b.value);
        CHECK(a.message == b.message);
        CHECK(a.intermediate == b.intermediate);
    }
}

} // namespace

TEST_CASE("mpi: rank 0 samples, two ranks evaluate; the study is the sequential one") {
    test::temp_dir dir("htune-mpi");
    int const status = wait_for(start_mpirun(dir, 24, 5));
    CAPTURE(log_of(dir));
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    test::mpi_study s({.seed = 11, .lag = test::mpi_lag}, storage::open_journal(dir / "study.jsonl", quiet()));
    check_same_as_reference(s, 24);
    // Both worker ranks evaluated trials.
    std::string const log = log_of(dir);
    CHECK(log.find("rank 1: 0 trials") == std::string::npos);
    CHECK(log.find("rank 2: 0 trials") == std::string::npos);
}

TEST_CASE("mpi: killing a worker rank aborts the job; mpirun again resumes it from the journal") {
    test::temp_dir dir("htune-mpi-kill");
    pid_t const run = start_mpirun(dir, 24, 20);
    // Wait until the study has started, then kill worker rank 2.
    auto const journal = dir / "study.jsonl";
    for (int i = 0; i < 400 && !std::filesystem::exists(journal); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    pid_t victim = 0;
    std::ifstream(dir / "rank-2.pid") >> victim;
    REQUIRE(victim > 0);
    ::kill(victim, SIGKILL);
    int const killed = wait_for(run);
    CAPTURE(log_of(dir));
    CHECK(!(WIFEXITED(killed) && WEXITSTATUS(killed) == 0)); // the whole job is aborted
    {
        test::mpi_study partial({.seed = 11, .lag = test::mpi_lag}, storage::open_journal(journal, quiet()));
        CHECK(partial.count(trial_state::complete) < 24);
    }
    int const resumed = wait_for(start_mpirun(dir, 24, 0));
    REQUIRE(WIFEXITED(resumed));
    REQUIRE(WEXITSTATUS(resumed) == 0);
    test::mpi_study s({.seed = 11, .lag = test::mpi_lag}, storage::open_journal(journal, quiet()));
    check_same_as_reference(s, 24);
    std::size_t reruns = 0;
    for (auto const& r : s.trials()) reruns += r.attempt > 1 ? 1 : 0;
    MESSAGE(reruns, " trials were interrupted and rerun");
}
