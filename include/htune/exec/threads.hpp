#pragma once
// exec::threads: up to `jobs` trials at once, each on its own thread of this process (what
// run_options::jobs = N gives). The threads take trials from the source until it is empty and are
// joined before run() returns. The objective is called from several threads at once, so it must be
// safe to call concurrently.

#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

#include "../core/concepts/executor.hpp"
#include "../core/errors.hpp"

namespace htune::exec {

class threads {
public:
    explicit threads(std::size_t jobs) : m_jobs(jobs) {
        HTUNE_CHECK(jobs >= 1, "htune::exec::threads: jobs must be at least 1, got ", jobs);
    }
    std::size_t concurrency() const noexcept { return m_jobs; }

    template <concepts::work_source Source>
    void run(Source& source) {
        run_each(source, [](auto& unit) { unit.run(); });
    }

    // The same pool, with `run_unit(unit)` deciding how each unit runs (the MPI executor runs its
    // units elsewhere from these threads).
    template <concepts::work_source Source, class RunUnit>
    void run_each(Source& source, RunUnit&& run_unit) {
        if (m_jobs == 1) {
            while (auto unit = source.next()) run_unit(*unit);
            return;
        }
        std::vector<std::jthread> workers;
        workers.reserve(m_jobs);
        try {
            for (std::size_t i = 0; i < m_jobs; ++i)
                workers.emplace_back([&source, &run_unit] {
                    while (auto unit = source.next()) run_unit(*unit);
                });
        } catch (...) {
            source.stop(std::current_exception()); // the threads started finish their trials
        }
    } // joined here

private:
    std::size_t m_jobs;
};

static_assert(concepts::executor<threads>);

} // namespace htune::exec
