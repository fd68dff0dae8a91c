#pragma once
// Heartbeats for the trials one process runs, so that workers elsewhere can tell it is alive (a
// journal marks a running trial abandoned when its heartbeats stop). One thread, started with the
// first trial on a storage that wants heartbeats, stopped and joined by the destructor.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <iostream>
#include <mutex>
#include <set>
#include <stop_token>
#include <thread>
#include <vector>

#include "backend.hpp"

namespace htune::storage {

class heartbeat {
public:
    heartbeat() = default;
    heartbeat(heartbeat const&) = delete;
    heartbeat& operator=(heartbeat const&) = delete;

    // Starts beating for the numbers in `running`, read under `mutex` (the owner's lock, which also
    // guards its changes to `running`). Does nothing when already started or when the storage wants
    // no heartbeats.
    void start(backend* store, std::mutex& mutex, std::set<std::uint64_t> const& running) {
        if (m_thread.joinable() || !store) return;
        auto const interval = store->heartbeat_interval();
        if (interval <= std::chrono::milliseconds{0}) return;
        m_thread = std::jthread([this, store, &mutex, &running, interval](std::stop_token stop) {
            std::unique_lock lock(mutex);
            bool warned = false;
            for (;;) {
                m_wake.wait_for(lock, stop, interval, [] { return false; });
                if (stop.stop_requested()) return;
                if (running.empty()) continue;
                std::vector<std::uint64_t> const numbers(running.begin(), running.end());
                try {
                    backend_lock storage_lock(store);
                    store->heartbeat(numbers);
                } catch (std::exception const& e) {
                    // The trial's own next write will meet the same trouble and report it; say it once.
                    if (!warned) std::cerr << "htune: warning: cannot write a heartbeat: " << e.what() << '\n';
                    warned = true;
                }
            }
        });
    }

private:
    std::condition_variable_any m_wake; // only woken by the stop request
    std::jthread m_thread;              // last: stopped and joined before the rest goes
};

} // namespace htune::storage
