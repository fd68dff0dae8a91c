#pragma once
// The executor role: what runs a study's trials. A study hands its executor a work source; the
// executor takes units from it until next() is empty, and runs each (core/work.hpp) where it likes.
//
//   struct my_executor {
//       std::size_t concurrency() const { return 1; }   // trials at once: the study's default lag
//       template <class Source>
//       void run(Source& source) {
//           while (auto unit = source.next()) unit->run();
//       }
//   };
//
// The source decides what runs next and when the run stops (trial budget, timeout, failures,
// Ctrl-C); next() blocks while the lag rule makes a unit wait, and is safe to call from several
// threads. An executor that fails itself (a thread it cannot start) calls source.stop(error): no
// further unit starts and the study rethrows the error once run() returns. See
// docs/guides/parallel.md ("An executor of your own").

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

namespace htune::concepts {

namespace archetype {
// What an evaluation elsewhere sees of its trial.
struct remote_view {
    std::uint64_t number() const;
    std::uint64_t seed() const;
    std::string config_text() const;
    void report(std::uint64_t step, double value) const;
    [[noreturn]] void prune() const;
    bool should_stop() const;
};
struct evaluator {
    double operator()(remote_view&) const;
};
struct unit {
    std::uint64_t number() const;
    void run();
    template <class Evaluate>
    void run_elsewhere(Evaluate&&);
};
struct source {
    std::optional<unit> next();
    void stop(std::exception_ptr);
};
} // namespace archetype

template <class U>
concept unit_of_work = requires(U& u, U const& cu, archetype::evaluator evaluate) {
    { cu.number() } -> std::convertible_to<std::uint64_t>;
    u.run();
    u.run_elsewhere(evaluate);
};

template <class S>
concept work_source = requires(S& s, std::exception_ptr e) {
    { *s.next() } -> unit_of_work;
    { static_cast<bool>(s.next()) };
    s.stop(e);
};

// An executor runs any work source: checked against the archetype above, so one that only works
// with the study's own source type is refused.
template <class E>
concept executor = requires(E& e, E const& ce, archetype::source& s) {
    { ce.concurrency() } -> std::convertible_to<std::size_t>;
    e.run(s);
};

} // namespace htune::concepts
