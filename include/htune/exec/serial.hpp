#pragma once
// exec::serial: one trial at a time, on the calling thread (what run_options::jobs = 1 gives).

#include <cstddef>

#include "../core/concepts/executor.hpp"

namespace htune::exec {

struct serial {
    std::size_t concurrency() const noexcept { return 1; }

    template <concepts::work_source Source>
    void run(Source& source) {
        while (auto unit = source.next()) unit->run();
    }
};

static_assert(concepts::executor<serial>);

} // namespace htune::exec
