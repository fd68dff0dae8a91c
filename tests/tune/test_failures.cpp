// What an objective's failures do to a run: which exceptions are caught, retries, a limit on
// failures in a row, and Ctrl-C.
#include <doctest/doctest.h>

#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <cmath>
#include <csignal>
#include <iostream>
#include <limits>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace htune;
using tune::trial_state;

namespace {
using xy_space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;

struct flaky_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct not_a_std_exception {};

// std::cerr into a string for a scope.
struct capture_cerr {
    std::ostringstream text;
    std::streambuf* previous = std::cerr.rdbuf(text.rdbuf());
    ~capture_cerr() { std::cerr.rdbuf(previous); }
};
} // namespace

TEST_CASE("failures: by default every std::exception fails only its trial; NaN and infinity too") {
    tune::study<xy_space, samplers::tpe<>> s({.seed = 2});
    auto const ran = s.optimize(
        [](auto& t) -> double {
            switch (t.number() % 4) {
                case 1: throw std::out_of_range("index 7 out of range");
                case 2: return std::numeric_limits<double>::quiet_NaN();
                case 3: return -std::numeric_limits<double>::infinity();
                default: return t.template get<"x">();
            }
        },
        20);
    CHECK(ran == 20);
    CHECK(s.count(trial_state::complete) == 5);
    CHECK(s.count(trial_state::failed) == 15);
    CHECK(s.trials()[1].message == "index 7 out of range");
    CHECK(s.trials()[2].message == "the objective returned nan");
    CHECK(s.trials()[3].message == "the objective returned -inf");
}

TEST_CASE("failures: catch_only lets other exceptions stop the run, after failing their trial") {
    tune::study<xy_space> s({.seed = 2});
    auto const objective = [](auto& t) -> double {
        if (t.number() == 1) throw flaky_error("disk busy");
        if (t.number() == 3) throw std::logic_error("bug in the objective");
        return 1.0;
    };
    CHECK_THROWS_WITH_AS(s.optimize(objective, 10, {.catches = tune::catch_only<flaky_error>()}),
                         "bug in the objective", std::logic_error);
    REQUIRE(s.trials().size() == 4);
    CHECK(s.trials()[1].state == trial_state::failed);
    CHECK(s.trials()[1].message == "disk busy");
    CHECK(s.trials()[3].state == trial_state::failed);
    CHECK(s.trials()[3].message == "bug in the objective");
    CHECK(s.count(trial_state::running) == 0);

    // The study goes on afterwards.
    CHECK(s.optimize([](auto&) { return 2.0; }, 2) == 2);
    CHECK(s.trials().size() == 6);

    // catch_none: the first exception stops the run; non-std exceptions are never caught.
    CHECK_THROWS_WITH_AS(s.optimize(
                             [](auto& t) -> double {
                                 if (t.number() == 7) throw flaky_error("disk busy");
                                 return 1.0;
                             },
                             10, {.catches = tune::catch_none()}),
                         "disk busy", flaky_error);
    CHECK(s.trials().size() == 8);
    CHECK_THROWS_AS(s.optimize([](auto&) -> double { throw not_a_std_exception{}; }, 10), not_a_std_exception);
    CHECK(s.trials().back().state == trial_state::failed);
    CHECK(s.trials().back().message == "the objective threw an exception that is not a std::exception");
}

TEST_CASE("failures: a trial is retried in place, with its config and seed, as often as asked") {
    tune::study<xy_space> s({.seed = 4});
    std::map<std::uint64_t, int> calls;
    std::map<std::uint64_t, std::pair<double, std::uint64_t>> seen;
    auto const ran = s.optimize(
        [&](auto& t) -> double {
            int const call = ++calls[t.number()];
            auto const here = std::make_pair(t.template get<"x">(), t.seed());
            if (call == 1) seen[t.number()] = here;
            CHECK(seen[t.number()] == here);
            t.report(call, 1.0); // reports of a failed attempt are dropped
            if (t.number() % 2 == 1 && call < 2) throw flaky_error("transient");
            if (t.number() == 4) throw flaky_error("always");
            return 0.5;
        },
        6, {.retries = 2});
    CHECK(ran == 6);
    CHECK(calls[1] == 2);
    CHECK(calls[0] == 1);
    CHECK(calls[4] == 3);
    CHECK(s.trials()[1].state == trial_state::complete);
    CHECK(s.trials()[1].attempt == 2);
    REQUIRE(s.trials()[1].intermediate.size() == 1);
    CHECK(s.trials()[1].intermediate[0].step == 2);
    CHECK(s.trials()[4].state == trial_state::failed);
    CHECK(s.trials()[4].message == "always (attempt 3 of 3)");
    CHECK(s.trials()[4].attempt == 3);
    CHECK(s.trials().size() == 6); // retries do not make new trials
}

TEST_CASE("failures: a limit on failures in a row stops the run with the last messages") {
    tune::study<xy_space> s({.seed = 4});
    auto const objective = [](auto& t) -> double {
        if (t.number() < 2) return 1.0;
        throw std::runtime_error("cannot open data file \"train.csv\" (trial " + std::to_string(t.number()) + ")");
    };
    CHECK_THROWS_WITH_AS(s.optimize(objective, 100, {.max_consecutive_failures = 4}),
                         "htune::tune::study::optimize: 4 trials failed in a row "
                         "(run_options::max_consecutive_failures = 4); the last ones:\n"
                         "  trial 3: cannot open data file \"train.csv\" (trial 3)\n"
                         "  trial 4: cannot open data file \"train.csv\" (trial 4)\n"
                         "  trial 5: cannot open data file \"train.csv\" (trial 5)",
                         tune::too_many_failures);
    CHECK(s.trials().size() == 6);
    CHECK(s.count(trial_state::failed) == 4);

    // A success resets the count (one job: with two, "in a row" follows the order trials finish in,
    // which timing decides); in parallel the limit holds too.
    tune::study<xy_space> p({.seed = 4});
    auto const ran = p.optimize(
        [](auto& t) -> double {
            if (t.number() % 3 == 2) return 1.0;
            throw std::runtime_error("odd");
        },
        30, {.max_consecutive_failures = 3});
    CHECK(ran == 30);
    tune::study<xy_space> q({.seed = 4});
    CHECK_THROWS_AS(q.optimize([](auto&) -> double { throw std::runtime_error("always"); }, 30,
                               {.jobs = 2, .max_consecutive_failures = 3}),
                    tune::too_many_failures);
    CHECK(q.trials().size() >= 3);
    CHECK(q.trials().size() <= 4); // the other job's trial may have started before the limit
    CHECK(q.count(trial_state::running) == 0);
}

TEST_CASE("failures: Ctrl-C fails the running trial as interrupted, prints a summary, and stops the run") {
    struct sigaction before{};
    sigaction(SIGINT, nullptr, &before);
    tune::study<xy_space> s({.seed = 6});
    capture_cerr err;
    auto const ran = s.optimize(
        [](auto& t) {
            if (t.number() == 3) {
                std::raise(SIGINT); // as if Ctrl-C were pressed now
                CHECK(t.should_stop());
                t.report(0, 1.0); // throws trial_interrupted
                FAIL("report() went on after SIGINT");
            }
            return t.template get<"x">();
        },
        10, {.sigint = tune::on_sigint::stop});
    CHECK(ran == 4);
    CHECK(s.interrupted());
    REQUIRE(s.trials().size() == 4);
    CHECK(s.trials()[3].state == trial_state::failed);
    CHECK(s.trials()[3].message == "interrupted by SIGINT");
    CHECK(s.count(trial_state::complete) == 3);
    std::string const text = err.text.str();
    CHECK(text.find("htune: interrupted by SIGINT") != std::string::npos);
    CHECK(text.find("4 trials (3 complete, 0 pruned, 1 failed, 0 running)") != std::string::npos);
    CHECK(text.find("best value") != std::string::npos);
    // The handler the program had is back.
    struct sigaction after{};
    sigaction(SIGINT, nullptr, &after);
    CHECK(reinterpret_cast<void*>(after.sa_handler) == reinterpret_cast<void*>(before.sa_handler));

    // The next run starts afresh.
    CHECK(s.optimize([](auto& t) { return t.template get<"y">(); }, 2, {.sigint = tune::on_sigint::stop}) == 2);
    CHECK_FALSE(s.interrupted());
}
