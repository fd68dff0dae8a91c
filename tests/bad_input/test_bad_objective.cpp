// Bad objectives, through htune::tune::study: an objective that throws or returns NaN or infinity
// fails its trial with the message and the study goes on; misuse of the trial protocol (report()
// with a non-finite value or a step that does not increase, tell/report/prune on a finished trial,
// a trial number the study never handed out) is an htune::invalid_argument naming the trial.

#include <doctest/doctest.h>

#include <htune/samplers/random.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "bad_input_support.hpp"

using htune::invalid_argument;
using htune::test::contains;
using htune::test::expect_throw;
using htune::tune::trial_state;

namespace {
using xy_space = htune::search_space<htune::uniform<"x", -5.0, 10.0>, htune::uniform<"y", 0.0, 15.0>>;
using study = htune::tune::study<xy_space, htune::samplers::random>;

double bowl(double x, double y) {
    return (x - 1) * (x - 1) + (y - 2) * (y - 2);
}

// An exception type of the user's own, not derived from htune::error.
struct simulation_failed : std::runtime_error {
    using std::runtime_error::runtime_error;
};
} // namespace

TEST_CASE("bad objective: a throwing objective fails its trial with the message; the study goes on") {
    study s{{.seed = 4}};
    auto const n = s.optimize(
        [](auto& t) -> double {
            if (t.number() == 1) throw simulation_failed("solver did not converge after 200 iterations");
            if (t.number() == 3) throw std::out_of_range("vector::at: index 9 >= size 3");
            return bowl(t.template get<"x">(), t.template get<"y">());
        },
        6);
    CHECK(n == 6);
    auto const& trials = s.trials();
    REQUIRE(trials.size() == 6);
    CHECK(trials[1].state == trial_state::failed);
    CHECK(trials[1].message == "solver did not converge after 200 iterations");
    CHECK(trials[3].state == trial_state::failed);
    CHECK(trials[3].message == "vector::at: index 9 >= size 3");
    CHECK(s.count(trial_state::complete) == 4);
    CHECK(std::isfinite(s.best_value()));
}

TEST_CASE("bad objective: an htune error inside the objective fails the trial with htune's message") {
    study s{{.seed = 4}};
    s.optimize(
        [](auto& t) -> double {
            // A bound read from the config that makes an invalid param (x may be below 0).
            double const x = t.template get<"x">();
            htune::log_uniform<"lr"> lr{x, 1.0};
            return lr.low();
        },
        8);
    bool saw_failure = false;
    for (auto const& r : s.trials()) {
        if (r.config.get<"x">() > 0.0) continue;
        saw_failure = true;
        CHECK(r.state == trial_state::failed);
        CHECK(contains(r.message, "htune::log_uniform<\"lr\">: low ("));
        CHECK(contains(r.message, ") must be > 0"));
    }
    CHECK(saw_failure);
}

TEST_CASE("bad objective: an exception that is no std::exception fails the trial and propagates") {
    study s{{.seed = 4}};
    auto const run = [&] {
        s.optimize(
            [](auto& t) -> double {
                if (t.number() == 2) throw 42;
                return 1.0;
            },
            5);
    };
    CHECK_THROWS_AS(run(), int);
    REQUIRE(s.trials().size() == 3);
    CHECK(s.trials()[2].state == trial_state::failed);
    CHECK(s.trials()[2].message == "the objective threw an exception that is not a std::exception");
    CHECK(s.count(trial_state::complete) == 2);
    // The study can go on afterwards.
    s.optimize([](auto&) { return 2.0; }, 1);
    CHECK(s.count(trial_state::complete) == 3);
}

TEST_CASE("bad objective: NaN and infinite results fail their trials") {
    study s{{.seed = 5}};
    s.optimize(
        [](auto& t) -> double {
            switch (t.number()) {
                case 0: return std::numeric_limits<double>::quiet_NaN();
                case 1: return std::numeric_limits<double>::infinity();
                case 2: return -std::numeric_limits<double>::infinity();
                default: return bowl(t.template get<"x">(), t.template get<"y">());
            }
        },
        5);
    auto const& trials = s.trials();
    CHECK(trials[0].state == trial_state::failed);
    CHECK(trials[0].message == "the objective returned nan");
    CHECK(trials[1].message == "the objective returned inf");
    CHECK(trials[2].state == trial_state::failed);
    CHECK(trials[2].message == "the objective returned -inf");
    CHECK(s.count(trial_state::complete) == 2);
    // tell() by hand does the same.
    auto t = s.ask();
    s.tell(t, std::nan(""));
    CHECK(s.trials()[5].state == trial_state::failed);
}

TEST_CASE("bad objective: best() when every trial failed says so") {
    study s{{.seed = 5}};
    s.optimize([](auto&) { return std::numeric_limits<double>::quiet_NaN(); }, 3);
    expect_throw<invalid_argument>([&] { (void)s.best(); },
                                   {"htune::tune::study::best: no trial has completed yet (3 trials, 3 failed)"});
}

TEST_CASE("bad objective: report() with NaN names the trial and the step") {
    study s{{.seed = 6}};
    (void)s.ask();
    auto t = s.ask(); // trial 1
    t.report(0, 0.5);
    expect_throw<invalid_argument>([&] { t.report(3, std::nan("")); },
                                   {"htune::tune::study::report: trial 1 step 3: value nan is not finite"});
    expect_throw<invalid_argument>([&] { s.report(t, 4, -std::numeric_limits<double>::infinity()); },
                                   {"trial 1 step 4: value -inf is not finite"});
    CHECK(s.trials()[1].intermediate.size() == 1); // nothing recorded
}

TEST_CASE("bad objective: report() from inside an objective fails that trial with the same message") {
    study s{{.seed = 6}};
    s.optimize(
        [](auto& t) -> double {
            for (std::uint64_t epoch = 0; epoch < 3; ++epoch)
                t.report(epoch, t.number() == 1 && epoch == 2 ? std::nan("") : 1.0 / static_cast<double>(epoch + 1));
            return 0.25;
        },
        3);
    CHECK(s.trials()[1].state == trial_state::failed);
    CHECK(s.trials()[1].message == "htune::tune::study::report: trial 1 step 2: value nan is not finite");
    CHECK(s.trials()[2].state == trial_state::complete);
}

TEST_CASE("bad objective: report() with a step that does not increase") {
    study s{{.seed = 7}};
    auto t = s.ask();
    t.report(5, 1.0);
    expect_throw<invalid_argument>([&] { t.report(5, 0.9); },
                                   {"htune::tune::study::report: trial 0: step 5 after step 5 (steps must increase)"});
    expect_throw<invalid_argument>([&] { t.report(2, 0.9); }, {"trial 0: step 2 after step 5"});
    t.report(6, 0.8);
    CHECK(s.trials()[0].intermediate.size() == 2);
}

TEST_CASE("bad objective: tell on a finished trial names the trial and its state") {
    study s{{.seed = 8}};
    auto t = s.ask();
    s.tell(t, 1.0);
    expect_throw<invalid_argument>([&] { s.tell(t, 2.0); }, {"htune::tune::study::tell: trial 0 is already complete"});
    CHECK(s.trials()[0].value == 1.0);
    auto f = s.ask();
    s.fail(f, "out of memory");
    expect_throw<invalid_argument>([&] { s.tell(f, 3.0); }, {"htune::tune::study::tell: trial 1 is already failed"});
    CHECK(s.trials()[1].message == "out of memory");
}

TEST_CASE("bad objective: report, prune, fail and set_user_attr on a finished trial") {
    study s{{.seed = 9}};
    auto t = s.ask();
    s.prune(t);
    expect_throw<invalid_argument>([&] { t.report(0, 1.0); },
                                   {"htune::tune::study::report: trial 0 is already pruned"});
    expect_throw<invalid_argument>([&] { s.prune(t); }, {"htune::tune::study::prune: trial 0 is already pruned"});
    expect_throw<invalid_argument>([&] { s.fail(t, "late"); }, {"htune::tune::study::fail: trial 0 is already pruned"});
    expect_throw<invalid_argument>([&] { t.set_user_attr("k", "v"); },
                                   {"htune::tune::study::set_user_attr: trial 0 is already pruned"});
}

TEST_CASE("bad objective: tell(t, NaN) on a finished trial names tell") {
    study s{{.seed = 8}};
    auto t = s.ask();
    s.tell(t, 1.0);
    expect_throw<invalid_argument>([&] { s.tell(t, std::nan("")); },
                                   {"htune::tune::study::tell: trial 0 is already complete"});
}

TEST_CASE("bad objective: a trial number the study never handed out") {
    study s{{.seed = 10}};
    study other{{.seed = 10}};
    for (int i = 0; i < 3; ++i) (void)other.ask();
    auto const foreign = other.ask(); // trial 3 of `other`
    (void)s.ask();
    expect_throw<invalid_argument>([&] { s.tell(foreign, 1.0); }, {"htune::tune::study::tell: no trial 3"});
    expect_throw<invalid_argument>([&] { s.report(foreign, 0, 1.0); }, {"htune::tune::study::report: no trial 3"});
}

TEST_CASE("bad objective: an exception the filter does not catch fails its trial and stops the run") {
    study s{{.seed = 11}};
    auto const run = [&] {
        s.optimize(
            [](auto& t) -> double {
                if (t.number() == 1) throw std::runtime_error("caught: a bad config");
                if (t.number() == 3) throw std::logic_error("a bug in the objective");
                return 1.0;
            },
            10, {.catches = htune::tune::catch_only<std::runtime_error>()});
    };
    auto const message = expect_throw<std::logic_error>(run, {"a bug in the objective"});
    REQUIRE(s.trials().size() == 4); // no trial after the one that threw
    CHECK(s.trials()[1].state == trial_state::failed);
    CHECK(s.trials()[1].message == "caught: a bad config");
    CHECK(s.trials()[3].state == trial_state::failed);
    CHECK(s.trials()[3].message == message);
}

TEST_CASE("bad objective: too many failures in a row stop the run with the last messages") {
    study s{{.seed = 12}};
    auto const run = [&] {
        s.optimize(
            [](auto& t) -> double {
                if (t.number() >= 2)
                    throw std::runtime_error("CUDA out of memory in trial " + std::to_string(t.number()));
                return 1.0;
            },
            20, {.max_consecutive_failures = 3});
    };
    expect_throw<htune::tune::too_many_failures>(
        run, {"htune::tune::study::optimize: 3 trials failed in a row (run_options::max_consecutive_failures = 3)",
              "trial 2: CUDA out of memory in trial 2", "trial 4: CUDA out of memory in trial 4"});
    CHECK(s.trials().size() == 5);
    CHECK(s.count(trial_state::complete) == 2);
}

TEST_CASE("bad objective: run options out of range") {
    study s{{.seed = 13}};
    expect_throw<invalid_argument>([&] { s.optimize([](auto&) { return 1.0; }, 3, {.jobs = 0}); },
                                   {"htune::tune::study::optimize: run_options::jobs must be at least 1, got 0"});
    CHECK(s.trials().empty());
}

TEST_CASE("bad objective: a study option out of range") {
    expect_throw<invalid_argument>([] { study s{{.seed = 1, .max_attempts = 0}}; },
                                   {"htune::tune::study: max_attempts must be at least 1, got 0"});
}
