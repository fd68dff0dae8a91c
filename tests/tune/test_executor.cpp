// Executors (exec/): where a study's trials run. The built-in ones give the trials optimize() gives
// with run_options::jobs, and an executor written here, one that hands each trial as text to a job
// queue served by its own threads, runs a study that equals the sequential one.
#include <doctest/doctest.h>

#include <htune/exec.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace htune;

namespace {

using space = search_space<uniform<"x", -5.0, 10.0>, log_uniform<"lr", 1e-4, 1e-1>, choice_of<"opt", "sgd", "adam">>;
using study_type = tune::study<space, samplers::tpe<>>;

double value_of(space::config const& c) {
    return std::pow(c.get<"x">() - 2.0, 2) + std::abs(std::log10(c.get<"lr">()) + 2.0) +
           (c.get<"opt">() == "adam" ? 0.0 : 0.5);
}

// A job queue with its own worker threads, as a cluster's scheduler would be: a job is the trial's
// number, seed and config as text; a worker parses the text, evaluates, and posts the reports and
// the value back. The executor relays them into the study through run_elsewhere.
class job_queue_executor {
public:
    explicit job_queue_executor(std::size_t workers) : m_workers(workers) {}
    std::size_t concurrency() const { return m_workers; }

    template <class Source>
    void run(Source& source) {
        std::vector<std::jthread> threads;
        for (std::size_t i = 0; i < m_workers; ++i)
            threads.emplace_back([&] {
                while (auto unit = source.next()) {
                    unit->run_elsewhere([&](auto& trial) {
                        job j{trial.number(), trial.seed(), trial.config_text()};
                        std::vector<double> reports;
                        double const v = submit_and_wait(j, reports);
                        for (std::size_t step = 0; step < reports.size(); ++step) trial.report(step, reports[step]);
                        if (v < 0) trial.prune();
                        return v;
                    });
                    ++ran;
                }
            });
    }

    std::atomic<int> ran{0};
    std::vector<std::string> texts; // every job's config text, as sent

private:
    struct job {
        std::uint64_t number, seed;
        std::string text;
    };
    // "Elsewhere": only the text crosses; the worker rebuilds the config from it.
    double submit_and_wait(job const& j, std::vector<double>& reports) {
        {
            std::lock_guard lock(m_mutex);
            texts.push_back(j.text);
        }
        space::config const c = parse_config<space>(j.text);
        if (j.number == 3) throw std::runtime_error("node lost");
        reports = {value_of(c) + 1.0, value_of(c)};
        return value_of(c);
    }
    std::size_t m_workers;
    std::mutex m_mutex;
};
static_assert(concepts::executor<job_queue_executor>);

struct not_an_executor {
    template <class Source>
    void run(Source&) {}
}; // no concurrency()
static_assert(!concepts::executor<not_an_executor>);
static_assert(!concepts::executor<int>);
static_assert(concepts::executor<exec::serial> && concepts::executor<exec::threads>);

// Runs one trial, then fails as an executor whose second worker cannot start.
struct failing {
    std::size_t concurrency() const { return 2; }
    template <class Source>
    void run(Source& source) {
        if (auto unit = source.next()) unit->run();
        source.stop(std::make_exception_ptr(std::runtime_error("cannot start worker 2")));
        while (auto unit = source.next()) unit->run(); // empty: the run is stopped
    }
};

auto objective = [](auto& t) {
    if (t.number() == 3) throw std::runtime_error("node lost");
    t.report(0, value_of(t.params()) + 1.0);
    t.report(1, value_of(t.params()));
    return value_of(t.params());
};

void check_same(study_type const& a, study_type const& b) {
    REQUIRE(a.trials().size() == b.trials().size());
    for (std::size_t i = 0; i < a.trials().size(); ++i) {
        auto const& x = a.trials()[i];
        auto const& y = b.trials()[i];
        CHECK(x.state == y.state);
        CHECK(to_string(x.config) == to_string(y.config));
        if (x.state == trial_state::complete) CHECK(x.value == y.value);
        CHECK(x.intermediate == y.intermediate);
        CHECK(x.message == y.message);
    }
}

} // namespace

TEST_CASE("exec::serial and exec::threads give what run_options::jobs gives") {
    study_type by_jobs({.seed = 3, .lag = 2}), serial({.seed = 3, .lag = 2}), threads({.seed = 3, .lag = 2});
    CHECK(by_jobs.optimize(objective, 14, {.jobs = 3}) == 14);
    CHECK(serial.optimize(objective, 14, {}, exec::serial{}) == 14);
    CHECK(threads.optimize(objective, 14, {}, exec::threads(3)) == 14);
    check_same(by_jobs, serial);
    check_same(by_jobs, threads);
    CHECK(by_jobs.trials()[3].state == trial_state::failed);
    CHECK(by_jobs.trials()[3].message == "node lost");
}

TEST_CASE("a job-queue executor of the user's equals the sequential study, through config text") {
    study_type sequential({.seed = 11, .lag = 3}), queued({.seed = 11, .lag = 3});
    sequential.optimize(objective, 16);
    job_queue_executor queue(4);
    CHECK(queued.optimize(objective, 16, {.retries = 0}, queue) == 16);
    CHECK(queue.ran == 16);
    check_same(sequential, queued);
    // The text the queue carried parses back to each trial's config, bit for bit.
    REQUIRE(queue.texts.size() == 16);
    for (auto const& text : queue.texts) {
        auto const c = parse_config<space>(text);
        bool found = false;
        for (auto const& r : queued.trials()) found = found || to_string(r.config) == to_string(c);
        CHECK(found);
    }
    // optimize_until with the executor goes on to the target.
    job_queue_executor more(2);
    queued.optimize_until(objective, 20, {}, more);
    CHECK(queued.count(trial_state::complete) == 20);
}

TEST_CASE("optimize refuses run_options::jobs that contradicts the executor") {
    study_type s({.seed = 1});
    CHECK_THROWS_WITH_AS(s.optimize(objective, 2, {.jobs = 2}, exec::threads(3)),
                         doctest::Contains("run_options::jobs is 2 but the executor runs 3"), htune::error);
    CHECK(s.trials().empty());
}

TEST_CASE("an executor's own failure stops the run and reaches the caller") {
    study_type s({.seed = 2});
    CHECK_THROWS_WITH_AS(s.optimize(objective, 10, {}, failing{}), "cannot start worker 2", std::runtime_error);
    CHECK(s.trials().size() == 1);
    CHECK(s.trials()[0].state == trial_state::complete);
}
