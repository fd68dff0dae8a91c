#pragma once
// backend: where a study's trials live beyond the process. The study keeps its trials in memory and
// writes every change through a backend; with none it is an in-memory study. Every call below is
// made between lock() and unlock(), so that reading what others wrote and appending one's own
// changes is one step: trial numbers are handed out once, whatever the number of processes.
//
// Calls happen per trial event (ask, tell, report), never in a training loop: a virtual interface
// costs nothing that matters here and keeps the study's type the same with or without a journal.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "records.hpp"

namespace htune::storage {

class backend {
public:
    virtual ~backend() = default;

    virtual void lock() = 0;
    virtual void unlock() noexcept = 0;

    // Opens the study named in the schema, creating it when new. Throws when the stored study does
    // not fit the schema (another direction, a param with another distribution).
    virtual void open(study_schema const& schema) = 0;

    // Trials created or changed by other workers since the last call (all trials after open()),
    // each in its latest state, in number order.
    virtual std::vector<stored_trial> poll() = 0;

    // Appends a trial (running, with its params); returns its number, the next free one.
    virtual std::uint64_t create_trial(stored_trial const& trial) = 0;

    // Ends a running trial: complete with its value, pruned (value: the last intermediate value, if
    // any), or failed with its message.
    virtual void finish_trial(std::uint64_t number, trial_state state, std::optional<double> value,
                              std::string_view message) = 0;

    // Takes over a running trial whose worker is gone (see abandoned()): this worker reruns it, as
    // the given attempt.
    virtual void claim_trial(std::uint64_t number, std::uint64_t attempt) = 0;

    virtual void report(std::uint64_t number, std::uint64_t step, double value) = 0;
    virtual void set_user_attr(std::uint64_t number, std::string_view key, std::string_view value) = 0;

    // Whether the worker that runs this (running) trial is gone: its process has ended, or it has
    // not been heard of for longer than the storage's grace period.
    virtual bool abandoned(stored_trial const& trial) const = 0;

    // How often a study should call heartbeat() while it runs trials; zero: never.
    virtual std::chrono::milliseconds heartbeat_interval() const noexcept { return std::chrono::milliseconds{0}; }
    // Tells other workers that this one still runs these trials (its running trials, by number).
    virtual void heartbeat(std::span<std::uint64_t const> numbers) { (void)numbers; }

    // This worker's name, as written beside each operation.
    virtual std::string const& worker() const noexcept = 0;
};

// Locks a backend for a scope; does nothing without one.
class backend_lock {
public:
    explicit backend_lock(backend* b) : m_backend(b) {
        if (m_backend) m_backend->lock();
    }
    ~backend_lock() {
        if (m_backend) m_backend->unlock();
    }
    backend_lock(backend_lock const&) = delete;
    backend_lock& operator=(backend_lock const&) = delete;

private:
    backend* m_backend;
};

// How a tuner opens the journal file it is given (tune::tuner_options::journal). The journal
// needs nlohmann-json, so the core does not include it: a program opts in by including
// <htune/storage/journal.hpp> (CMake: link htune::journal), which registers its opener here at
// start-up. Every translation unit sees the same tuner either way; without the journal a tuner
// refuses a journal path with a message that says what to include.
using journal_opener = std::unique_ptr<backend> (*)(std::filesystem::path const&);
inline journal_opener& registered_journal_opener() noexcept {
    static journal_opener opener = nullptr;
    return opener;
}

} // namespace htune::storage
