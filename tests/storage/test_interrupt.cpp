// Ctrl-C on a study stored in a journal: the running trial is failed as interrupted, the journal
// stays consistent, a summary is printed, and the program ends as SIGINT ends it.
#include <doctest/doctest.h>

#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/tune/study.hpp>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "files.hpp"

using namespace htune;
using tune::trial_state;

namespace {
using xy_space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;
using xy_study = tune::study<xy_space, samplers::tpe<>>;

storage::journal_options quiet() {
    storage::journal_options o;
    o.sync = false;
    o.warn = [](std::string const&) {};
    return o;
}

// A child that runs a long study on the journal, with the default on_sigint::stop_and_raise and
// 1-2 jobs; its stderr goes to `log`.
pid_t spawn_study(std::filesystem::path const& journal, std::filesystem::path const& log, std::size_t jobs) {
    std::cout.flush(); // or the child prints the parent's buffered output again
    std::fflush(stdout);
    pid_t const pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::signal(SIGINT, SIG_DFL); // as in a fresh program (the test runner has its own handler)
        int const fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 2);
        int rc = 0;
        try {
            xy_study s({.seed = 3}, storage::open_journal(journal, quiet()));
            s.optimize(
                [](auto& t) {
                    for (std::uint64_t epoch = 0; epoch < 20; ++epoch) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                        t.report(epoch, t.template get<"x">() + 1.0 / double(epoch + 1));
                    }
                    return t.template get<"x">();
                },
                100000, {.jobs = jobs});
        } catch (std::exception const& e) {
            std::fprintf(stderr, "child: %s\n", e.what());
            rc = 3;
        }
        std::fflush(stderr);
        ::_exit(rc); // reached only if SIGINT did not end the program
    }
    return pid;
}

} // namespace

TEST_CASE("interrupt: Ctrl-C ends a journal study cleanly, with 1 and with 2 jobs") {
    for (std::size_t jobs : {1u, 2u}) {
        CAPTURE(jobs);
        test::temp_dir dir("htune-interrupt");
        auto const journal = dir / "study.jsonl";
        auto const log = dir / "stderr.txt";
        pid_t const pid = spawn_study(journal, log, jobs);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::kill(pid, SIGINT);
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGINT);

        std::string const text = test::read_all(log);
        CAPTURE(text);
        CHECK(text.find("htune: interrupted by SIGINT; the running trials were marked failed") != std::string::npos);
        CHECK(text.find("best value") != std::string::npos);

        xy_study s({.seed = 3}, storage::open_journal(journal, quiet()));
        CHECK(s.count(trial_state::running) == 0);
        CHECK(s.count(trial_state::complete) >= 2);
        std::size_t interrupted = 0;
        for (auto const& r : s.trials())
            if (r.state == trial_state::failed) {
                CHECK(r.message == "interrupted by SIGINT");
                ++interrupted;
            }
        CHECK(interrupted >= 1);
        CHECK(interrupted <= jobs);
        // The summary's count is the journal's.
        CHECK(text.find(std::to_string(s.trials().size()) + " trials (" +
                        std::to_string(s.count(trial_state::complete)) + " complete") != std::string::npos);
        // And the study goes on from it.
        auto const before = s.trials().size();
        s.optimize([](auto& t) { return t.template get<"y">(); }, 3);
        CHECK(s.trials().size() == before + 3);
    }
}
