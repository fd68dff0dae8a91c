#pragma once
// Trials across MPI ranks (Open MPI, or any MPI-3 library): rank 0 keeps the study (and its journal)
// and samples; every other rank evaluates the trials rank 0 sends it. Needs <mpi.h>; CMake target
// htune::mpi.
//
// exec::mpi_ranks is the executor (core/concepts/executor.hpp); htune::mpi::optimize and
// optimize_until are the study's optimize with it.
//
//   htune::mpi::environment env(argc, argv);          // MPI_Init_thread(MPI_THREAD_SERIALIZED)
//   auto objective = [](auto& t) { return train(t.params(), t.seed()); };
//   if (env.rank() == 0) {
//       study s{{.seed = 7, .lag = 3}, storage::open_journal("study.jsonl")};
//       htune::mpi::optimize_until(s, objective, 200);  // returns when done; the workers are released
//   } else {
//       htune::mpi::serve<space>(objective);           // evaluates until rank 0 is done
//   }
//
// How it works: rank 0 runs study::optimize with exec::mpi_ranks, one thread per worker rank; each
// thread sends its trial (number, seed, config as text, which round-trips bit for
// bit) to a free rank and relays what comes back: intermediate values (study::report), the value,
// a pruning or a failure (its message). So the lag rule, retries, the failure limit and the journal
// work as with threads, and with a fixed lag the study is the one a sequential run gives.
// An objective on a worker gets a remote_trial: number(), params(), get<"name">(), seed(),
// report(step, value), prune(), should_stop() (always false), as the study's trial has.
//
// A worker's exception reaches rank 0 as htune::mpi::remote_error (what(): the worker's message);
// run_options::catches sees that type. Killing a rank aborts the whole MPI job (Open MPI's
// default); with a journal, running mpirun again resumes the study and reruns the interrupted
// trials in place. Ctrl-C on mpirun does the same, so rank 0 installs no SIGINT handler by default.
// MPI calls on rank 0 come from several threads, one at a time (MPI_THREAD_SERIALIZED); each job
// polls its rank every millisecond, which costs nothing next to trials of 100 ms or more.

#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mpi.h>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

#include "../core/concepts/executor.hpp"
#include "../core/errors.hpp"
#include "../core/work.hpp"
#include "../space/config_text.hpp"
#include "run_options.hpp"
#include "threads.hpp"

namespace htune::mpi {

// An objective's failure on a worker rank, as rank 0 sees it.
class remote_error : public error {
public:
    using error::error;
};

// MPI_Init_thread with MPI_THREAD_SERIALIZED and MPI_Finalize, for a program's main.
class environment {
public:
    environment(int& argc, char**& argv) {
        int provided = 0;
        MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
        HTUNE_CHECK(provided >= MPI_THREAD_SERIALIZED, "htune::mpi::environment: the MPI library gives thread level ",
                    provided, ", htune needs MPI_THREAD_SERIALIZED (", MPI_THREAD_SERIALIZED, ")");
    }
    ~environment() { MPI_Finalize(); }
    environment(environment const&) = delete;
    environment& operator=(environment const&) = delete;

    int rank(MPI_Comm comm = MPI_COMM_WORLD) const {
        int r = 0;
        MPI_Comm_rank(comm, &r);
        return r;
    }
    int size(MPI_Comm comm = MPI_COMM_WORLD) const {
        int s = 0;
        MPI_Comm_size(comm, &s);
        return s;
    }
};

namespace detail {

enum tag : int { trial_tag = 7301, report_tag, result_tag, stop_tag };
enum class outcome : std::uint8_t { value, pruned, failed };

// Messages are byte strings: fixed fields, then text.
class writer {
public:
    template <class T>
    writer& put(T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        m_bytes.append(b, sizeof(T));
        return *this;
    }
    writer& text(std::string_view s) {
        m_bytes.append(s);
        return *this;
    }
    std::string const& bytes() const noexcept { return m_bytes; }

private:
    std::string m_bytes;
};

class reader {
public:
    explicit reader(std::string_view bytes) : m_bytes(bytes) {}
    template <class T>
    T get() {
        HTUNE_CHECK(m_bytes.size() >= sizeof(T), "htune::mpi: a message is too short");
        T v;
        std::memcpy(&v, m_bytes.data(), sizeof(T));
        m_bytes.remove_prefix(sizeof(T));
        return v;
    }
    std::string_view rest() const noexcept { return m_bytes; }

private:
    std::string_view m_bytes;
};

inline void send(std::string const& bytes, int to, int tag, MPI_Comm comm) {
    MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, comm);
}

// Receives a message already probed.
inline std::string receive(MPI_Status const& probed, MPI_Comm comm) {
    int count = 0;
    MPI_Get_count(&probed, MPI_BYTE, &count);
    std::string bytes(static_cast<std::size_t>(count), '\0');
    MPI_Recv(bytes.data(), count, MPI_BYTE, probed.MPI_SOURCE, probed.MPI_TAG, comm, MPI_STATUS_IGNORE);
    return bytes;
}

// Rank 0's side: the free worker ranks, and one lock around every MPI call.
class ranks {
public:
    ranks(MPI_Comm comm, int size) : m_comm(comm) {
        for (int r = size - 1; r >= 1; --r) m_free.push_back(r);
    }
    int acquire() {
        std::lock_guard lock(m_mutex);
        HTUNE_CHECK(!m_free.empty(), "htune::mpi: no free worker rank (more jobs than ranks)");
        int const r = m_free.back();
        m_free.pop_back();
        return r;
    }
    void release(int r) {
        std::lock_guard lock(m_mutex);
        m_free.push_back(r);
    }
    void send(std::string const& bytes, int to, int tag) {
        std::lock_guard lock(m_mpi);
        detail::send(bytes, to, tag, m_comm);
    }
    // The next message from rank r, polling every millisecond so that other jobs can use MPI.
    std::pair<int, std::string> receive_from(int r) {
        for (;;) {
            {
                std::lock_guard lock(m_mpi);
                int flag = 0;
                MPI_Status status;
                MPI_Iprobe(r, MPI_ANY_TAG, m_comm, &flag, &status);
                if (flag) return {status.MPI_TAG, detail::receive(status, m_comm)};
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

private:
    MPI_Comm m_comm;
    std::mutex m_mutex, m_mpi;
    std::vector<int> m_free;
};

// A worker rank taken from the pool for one trial, given back at the end of the scope.
struct rank_lease {
    explicit rank_lease(ranks& p) : pool(p), rank(p.acquire()) {}
    ~rank_lease() { pool.release(rank); }
    rank_lease(rank_lease const&) = delete;
    rank_lease& operator=(rank_lease const&) = delete;
    ranks& pool;
    int rank;
};

} // namespace detail

} // namespace htune::mpi

namespace htune::exec {

// Rank 0's executor: each worker rank evaluates one trial at a time, so concurrency() is size - 1.
// Made on rank 0 only; the other ranks call htune::mpi::serve. When a run ends, every worker rank
// is told to stop: one study run per mpirun.
class mpi_ranks {
public:
    explicit mpi_ranks(MPI_Comm comm = MPI_COMM_WORLD) : m_comm(comm) {
        int rank = 0;
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &m_size);
        HTUNE_CHECK(rank == 0, "htune::mpi::optimize: call it on rank 0 (rank ", rank,
                    " should call htune::mpi::serve)");
        int level = 0;
        MPI_Query_thread(&level);
        HTUNE_CHECK(level >= MPI_THREAD_SERIALIZED, "htune::mpi::optimize: MPI was initialised with thread level ",
                    level, "; use MPI_Init_thread with MPI_THREAD_SERIALIZED (htune::mpi::environment does)");
        HTUNE_CHECK(m_size >= 2,
                    "htune::mpi::optimize: needs at least 2 ranks (rank 0 samples, the others evaluate), got ", m_size);
    }

    std::size_t concurrency() const noexcept { return static_cast<std::size_t>(m_size - 1); }

    // One thread per worker rank; each sends its trial (number, seed, config as text, which
    // round-trips bit for bit) and relays what comes back: reports, the value, a pruning, or the
    // worker's failure as mpi::remote_error.
    template <concepts::work_source Source>
    void run(Source& source) {
        mpi::detail::ranks pool(m_comm, m_size);
        auto relay = [&pool](auto& t) -> double {
            mpi::detail::rank_lease const lease(pool);
            int const r = lease.rank;
            pool.send(mpi::detail::writer{}.put(t.number()).put(t.seed()).text(t.config_text()).bytes(), r,
                      mpi::detail::trial_tag);
            for (;;) {
                auto [tag, bytes] = pool.receive_from(r);
                mpi::detail::reader in(bytes);
                if (in.template get<std::uint64_t>() != t.number()) continue; // left over from a trial given up
                if (tag == mpi::detail::report_tag) {
                    auto const step = in.template get<std::uint64_t>();
                    t.report(step, in.template get<double>());
                    continue;
                }
                auto const kind = static_cast<mpi::detail::outcome>(in.template get<std::uint8_t>());
                double const value = in.template get<double>();
                if (kind == mpi::detail::outcome::value) return value;
                if (kind == mpi::detail::outcome::pruned) t.prune();
                throw mpi::remote_error(std::string(in.rest()));
            }
        };
        threads(concurrency()).run_each(source, [&relay](auto& unit) { unit.run_elsewhere(relay); });
        for (int r = 1; r < m_size; ++r) pool.send(std::string{}, r, mpi::detail::stop_tag);
    }

private:
    MPI_Comm m_comm;
    int m_size = 0;
};

static_assert(concepts::executor<mpi_ranks>);

} // namespace htune::exec

namespace htune::mpi {

// What an objective on a worker rank gets for its trial.
template <class Space>
class remote_trial {
public:
    using config = typename Space::config;
    std::uint64_t number() const noexcept { return m_number; }
    config const& params() const noexcept { return m_config; }
    template <fixed_string Name>
    auto get() const {
        return m_config.template get<Name>();
    }
    std::uint64_t seed() const noexcept { return m_seed; }
    void report(std::uint64_t at_step, double value) {
        HTUNE_CHECK(std::isfinite(value), "htune::tune::study::report: trial ", m_number, " step ", at_step, ": value ",
                    value, " is not finite");
        HTUNE_CHECK(!m_last_step || *m_last_step < at_step, "htune::tune::study::report: trial ", m_number, ": step ",
                    at_step, " after step ", *m_last_step, " (steps must increase)");
        m_last_step = at_step;
        detail::send(detail::writer{}.put(m_number).put(at_step).put(value).bytes(), 0, detail::report_tag, m_comm);
    }
    [[noreturn]] void prune() const { throw trial_pruned{}; }
    bool should_stop() const noexcept { return false; }

    remote_trial(std::uint64_t number, std::uint64_t seed, config c, MPI_Comm comm)
        : m_number(number), m_seed(seed), m_config(std::move(c)), m_comm(comm) {}

private:
    std::uint64_t m_number;
    std::uint64_t m_seed;
    config m_config;
    MPI_Comm m_comm;
    std::optional<std::uint64_t> m_last_step;
};

// Rank 0: runs n_trials trials on the other ranks (see the top). The options apply as with threads
// (sigint defaults to ignore here: see the top); run.jobs is the number of worker ranks.
template <class Study, class Objective>
std::uint64_t optimize(Study& s, Objective&& objective, std::uint64_t n_trials,
                       exec::run_options run = {.sigint = exec::on_sigint::ignore}, MPI_Comm comm = MPI_COMM_WORLD) {
    exec::mpi_ranks ranks(comm);
    run.jobs = ranks.concurrency();
    return s.optimize(objective, n_trials, run, ranks);
}

// Rank 0: runs trials on the other ranks until the study has `complete_trials` complete ones.
template <class Study, class Objective>
std::uint64_t optimize_until(Study& s, Objective&& objective, std::uint64_t complete_trials,
                             exec::run_options run = {.sigint = exec::on_sigint::ignore},
                             MPI_Comm comm = MPI_COMM_WORLD) {
    exec::mpi_ranks ranks(comm);
    run.jobs = ranks.concurrency();
    return s.optimize_until(objective, complete_trials, run, ranks);
}

// Every other rank: evaluates the trials rank 0 sends until it says stop. Returns the number of
// trials evaluated here.
template <class Space, class Objective>
std::uint64_t serve(Objective&& objective, MPI_Comm comm = MPI_COMM_WORLD) {
    static_assert(std::is_invocable_v<Objective&, remote_trial<Space>&>,
                  "htune::mpi::serve<Space>: the objective must be callable as objective(trial&) with a "
                  "generic parameter (`[](auto& t) { ... }`): workers pass an htune::mpi::remote_trial");
    std::uint64_t done = 0;
    for (;;) {
        MPI_Status status;
        MPI_Probe(0, MPI_ANY_TAG, comm, &status);
        std::string const bytes = detail::receive(status, comm);
        if (status.MPI_TAG == detail::stop_tag) return done;
        detail::reader in(bytes);
        auto const number = in.get<std::uint64_t>();
        auto const seed = in.get<std::uint64_t>();
        remote_trial<Space> t(number, seed, parse_config<Space>(in.rest()), comm);
        detail::outcome kind = detail::outcome::value;
        double value = 0.0;
        std::string message;
        try {
            value = static_cast<double>(objective(t));
        } catch (trial_pruned const&) {
            kind = detail::outcome::pruned;
        } catch (std::exception const& e) {
            kind = detail::outcome::failed;
            message = e.what();
        } catch (...) {
            kind = detail::outcome::failed;
            message = "the objective threw an exception that is not a std::exception";
        }
        detail::send(detail::writer{}.put(number).put(static_cast<std::uint8_t>(kind)).put(value).text(message).bytes(),
                     0, detail::result_tag, comm);
        ++done;
    }
}

} // namespace htune::mpi
