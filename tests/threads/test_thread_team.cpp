#include <doctest/doctest.h>

#include <htune/core/thread_team.hpp>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using htune::thread_team;

TEST_CASE("thread_team::part covers [0, n) once, in order, on multiples of 16") {
    for (std::size_t parts : {1u, 2u, 3u, 4u, 7u}) {
        for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 100u, 8191u, 8192u, 100003u}) {
            std::size_t expected = 0;
            for (std::size_t k = 0; k < parts; ++k) {
                auto const [begin, end] = thread_team::part(k, parts, n);
                CHECK(begin == expected);
                CHECK(begin <= end);
                CHECK((begin % 16 == 0 || begin == n));
                expected = end;
            }
            CHECK(expected == n);
        }
    }
}

TEST_CASE("thread_team runs every index exactly once, job after job") {
    for (std::size_t threads : {1u, 2u, 3u}) {
        thread_team team(threads);
        CHECK(team.size() == threads);
        std::vector<int> hits(50000);
        for (int job = 0; job < 300; ++job) {
            std::size_t const n = job % 3 == 0 ? 50000 : (job % 3 == 1 ? 8192 + 16 * job : 100); // 100: caller alone
            team(n, [&](std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i) ++hits[i];
            });
        }
        // Index i was in range of 100 jobs of size 50000, plus the mid-size jobs that reach it, plus
        // the 100 small ones.
        for (std::size_t i = 0; i < hits.size(); i += 997) {
            int expected = 100;
            for (int job = 1; job < 300; job += 3)
                if (i < 8192 + 16 * static_cast<std::size_t>(job)) ++expected;
            if (i < 100) expected += 100;
            REQUIRE(hits[i] == expected);
        }
    }
}

TEST_CASE("thread_team uses its workers for long loops and only the caller for short ones") {
    thread_team team(2);
    auto const caller = std::this_thread::get_id();
    std::atomic<int> on_caller{0}, elsewhere{0};
    auto probe = [&](std::size_t, std::size_t) {
        (std::this_thread::get_id() == caller ? on_caller : elsewhere).fetch_add(1);
    };
    team(thread_team::min_parallel - 1, probe);
    CHECK(on_caller == 1);
    CHECK(elsewhere == 0);
    team(thread_team::min_parallel * 4, probe);
    CHECK(on_caller == 2);
    CHECK(elsewhere == 1);
    // After the workers have gone to sleep, a job still wakes them.
    std::this_thread::sleep_for(thread_team::spin_time * 4);
    team(thread_team::min_parallel * 4, probe);
    CHECK(elsewhere == 2);
}

TEST_CASE("thread_team: an exception on the caller's part comes out after the workers finish") {
    thread_team team(2);
    std::atomic<int> done{0};
    auto const caller = std::this_thread::get_id();
    CHECK_THROWS_AS(team(100000,
                         [&](std::size_t, std::size_t) {
                             if (std::this_thread::get_id() == caller) throw std::runtime_error("part 0");
                             std::this_thread::sleep_for(std::chrono::milliseconds(20));
                             done.fetch_add(1);
                         }),
                    std::runtime_error);
    CHECK(done == 1); // the worker's part had finished before the exception left
    CHECK_THROWS_WITH(thread_team(0), "htune::thread_team: threads (0) must be >= 1");
}

TEST_CASE("thread_team::for_each_thread calls each thread's index once, on that thread") {
    for (std::size_t threads : {1u, 2u, 3u}) {
        thread_team team(threads);
        for (int job = 0; job < 200; ++job) {
            std::vector<int> hits(threads, 0);
            std::vector<std::thread::id> ids(threads);
            team.for_each_thread([&](std::size_t k) {
                ++hits[k];
                ids[k] = std::this_thread::get_id();
            });
            CHECK(std::count(hits.begin(), hits.end(), 1) == static_cast<long>(threads));
            CHECK(ids[0] == std::this_thread::get_id()); // index 0 is the caller
            for (std::size_t k = 1; k < threads; ++k) CHECK(ids[k] != ids[0]);
            // A ranged job after a per-thread one still covers its range.
            std::vector<int> seen(thread_team::min_parallel * 2, 0);
            team(seen.size(), [&](std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i) ++seen[i];
            });
            CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<long>(seen.size()));
        }
    }
}

TEST_CASE("thread_team counts live threads; more than the cores: workers sleep at once and jobs still run") {
    auto const before = thread_team::live_threads().load();
    {
        thread_team one(1); // no worker: not counted
        CHECK(thread_team::live_threads().load() == before);
        thread_team two(2);
        CHECK(thread_team::live_threads().load() == before + 2);
    }
    CHECK(thread_team::live_threads().load() == before);

    std::size_t const cores = std::max(1u, std::thread::hardware_concurrency());
    thread_team crowd(cores + 1);
    CHECK(thread_team::oversubscribed());
    std::vector<int> hits(thread_team::min_parallel * 4, 0);
    for (int job = 0; job < 50; ++job) {
        crowd(hits.size(), [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) ++hits[i];
        });
        crowd.for_each_thread([&](std::size_t k) { ++hits[k]; });
    }
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < hits.size(); ++i) wrong += hits[i] != (i < cores + 1 ? 100 : 50);
    CHECK(wrong == 0);
}
