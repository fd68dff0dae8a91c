// libFuzzer harness: the input is a journal file (storage/journal.hpp, Optuna's JSON-lines
// JournalStorage format). Each input is replayed three ways:
//   1. as a plain replay: journal::open() with a schema whose study is not in the file (every line is
//      parsed and applied, no param is checked), then poll();
//   2. as the study of a small fixed space: open() with that space's schema, so that stored params
//      are checked against their distributions, then poll() and abandoned() on every trial;
//   3. through tune::study on the journal, which decodes the stored params into configs, then one
//      ask()/tell() that appends to the file (cutting a torn last line off first).
// An htune::error (journal_error, invalid_argument, ...) is the expected answer to a bad file;
// anything else (a sanitizer report, a non-htune exception, a huge allocation, a hang) is a bug.

#include <cstddef>
#include <cstdint>
#include <string>

#include <htune/samplers/random.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/storage/optuna_params.hpp>
#include <htune/tune/study.hpp>

#include "fuzz_support.hpp"

namespace {

using namespace htune;

// Every kind of stored param: float, log float, stepped int, categorical, and a conditional one.
using fuzz_space = search_space<uniform<"x", -5.0, 10.0>, log_uniform<"lr", 1e-4, 1e-1>,
                                int_uniform<"width", 16, 256, step<16>>, choice_of<"opt", "sgd", "adam">,
                                conditional<uniform<"m", 0.0, 0.99>, when<"opt", "sgd">>>;
using fuzz_study = tune::study<fuzz_space, samplers::random>;

storage::journal_options quiet_options() {
    storage::journal_options o;
    o.sync = false;                        // a scratch file in /dev/shm: nothing to sync
    o.warn = [](std::string const&) {};    // torn last lines are common in fuzz inputs
    return o;
}

fuzz::scratch_dir& scratch() {
    static fuzz::scratch_dir dir("htune-fuzz-journal");
    return dir;
}

void replay_through_backend(std::filesystem::path const& path) {
    storage::journal j(path, quiet_options());
    storage::backend_lock lock(&j);
    storage::study_schema schema{"htune", storage::direction::minimize, storage::optuna_schema(fuzz_space{})};

    // 1. Plain replay: no study of this name is in the file.
    storage::study_schema other = schema;
    other.name = "\x01htune-fuzz-absent";
    j.open(other);
    (void)j.poll();

    // 2. The study of the fixed space (a second open() replays the file again, from scratch).
    j.open(schema);
    for (auto const& t : j.poll()) {
        if (t.params.size() != schema.params.size()) fuzz::invariant_failed("poll(): params do not follow the schema");
        (void)j.abandoned(t);
    }
}

void resume_study(std::filesystem::path const& path) {
    fuzz_study s({.seed = 1}, storage::open_journal(path, quiet_options()));
    for (auto const& r : s.trials())
        if (r.state == tune::trial_state::complete && !std::isfinite(r.value))
            fuzz::invariant_failed("a complete trial with a non-finite value");
    auto t = s.ask();
    s.tell(t, 1.0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    auto const path = scratch() / "study.jsonl";
    fuzz::write_file(path, data, size);
    fuzz::expect_htune_errors_only([&] { replay_through_backend(path); });
    fuzz::write_file(path, data, size); // open() may have appended a create_study line
    fuzz::expect_htune_errors_only([&] { resume_study(path); });
    return 0;
}
