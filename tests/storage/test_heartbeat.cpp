#include <doctest/doctest.h>

#include <htune/samplers/random.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/tune/study.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "files.hpp"

using namespace htune;
using namespace std::chrono_literals;
using test::read_all;
using test::temp_dir;
using tune::trial_state;

namespace {

using small_space = search_space<uniform<"x", -1.0, 1.0>>;
using small_study = tune::study<small_space, samplers::random>;

// A journal as a worker on machine `host` opens it.
std::unique_ptr<storage::journal> journal_on(std::filesystem::path const& file, std::string host,
                                             std::chrono::milliseconds heartbeat, std::chrono::milliseconds grace) {
    storage::journal_options o;
    o.sync = false;
    o.host = std::move(host);
    o.heartbeat = heartbeat;
    o.grace = grace;
    return std::make_unique<storage::journal>(file, o);
}

std::size_t count_of(std::string const& text, std::string const& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

} // namespace

TEST_CASE("heartbeat: a study writes heartbeats for its running trials only, and Optuna still reads them") {
    temp_dir dir("htune-heartbeat");
    auto const file = dir / "study.jsonl";
    {
        small_study s(small_space{}, {}, {.seed = 1}, journal_on(file, "alpha", 20ms, 1s));
        auto t = s.ask();
        std::this_thread::sleep_for(300ms);
        auto const while_running = count_of(read_all(file), "htune:heartbeat");
        CHECK(while_running >= 3); // about 15; a loaded machine may delay a few
        s.tell(t, 0.5);
        auto const at_tell = count_of(read_all(file), "htune:heartbeat");
        std::this_thread::sleep_for(150ms);
        CHECK(count_of(read_all(file), "htune:heartbeat") == at_tell); // none once the trial is done
        s.refresh();
    }
    // Reopened, the study is the one that was told: heartbeats change nothing in it.
    small_study again(small_space{}, {}, {.seed = 1}, journal_on(file, "alpha", 0ms, 1s));
    REQUIRE(again.trials().size() == 1);
    CHECK(again.trials()[0].state == trial_state::complete);
    CHECK(again.trials()[0].value == 0.5);

    auto const script = dir / "load.py";
    test::write_all(script, "import optuna\n"
                            "from optuna.storages import JournalStorage, JournalFileStorage\n"
                            "s = optuna.load_study(study_name='htune', storage=JournalStorage(JournalFileStorage('" +
                                file.string() +
                                "')))\n"
                                "t = s.trials[0]\n"
                                "print(t.state.name, t.value, 'htune:heartbeat' in t.system_attrs)\n");
    auto const out = dir / "load.out";
    int const rc =
        std::system(("/usr/bin/python3 -W ignore " + script.string() + " > " + out.string() + " 2>&1").c_str());
    INFO(read_all(out));
    REQUIRE(rc == 0);
    CHECK(read_all(out) == "COMPLETE 0.5 True\n");
}

TEST_CASE("heartbeat: a trial run on another machine is kept while its heartbeats come, and failed after the grace") {
    temp_dir dir("htune-heartbeat");
    auto const file = dir / "study.jsonl";
    constexpr auto grace = 1500ms;

    // Worker A on machine "alpha" runs trial 0; B on "beta" cannot check A's process, only the
    // journal's news of it.
    auto a = std::make_unique<small_study>(small_space{}, samplers::random{}, tune::study_options{.seed = 3},
                                           journal_on(file, "alpha", 50ms, grace));
    auto held = a->ask();
    CHECK(held.number() == 0);
    small_study b(small_space{}, {}, {.seed = 3, .interrupted = tune::interrupted_trials::fail},
                  journal_on(file, "beta", 50ms, grace));
    REQUIRE(b.trials().size() == 1);

    // Longer than the grace: without heartbeats B would take trial 0 as abandoned here.
    auto const alive_until = std::chrono::steady_clock::now() + grace + 1s;
    while (std::chrono::steady_clock::now() < alive_until) {
        b.refresh();
        REQUIRE(b.trials()[0].state == trial_state::running);
        std::this_thread::sleep_for(100ms);
    }

    // A goes away without a word (as a machine that loses power): its heartbeats stop.
    a.reset();
    auto const gone = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::duration> noticed;
    while (std::chrono::steady_clock::now() - gone < 20s) {
        b.refresh();
        if (b.trials()[0].state != trial_state::running) {
            noticed = std::chrono::steady_clock::now() - gone;
            break;
        }
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE(noticed.has_value());
    // B read A's last heartbeat at most about 150 ms before A went; it must wait the grace after that.
    CHECK(*noticed >= grace - 300ms);
    CHECK(b.trials()[0].state == trial_state::failed);
    CHECK(b.trials()[0].message.find("interrupted: its worker htune/alpha/") == 0);
}

TEST_CASE("heartbeat: journal options that cannot work are errors naming the option and value") {
    temp_dir dir("htune-heartbeat");
    auto const file = dir / "study.jsonl";
    auto const options = [](std::chrono::milliseconds heartbeat, std::chrono::milliseconds grace, std::string host) {
        storage::journal_options o;
        o.heartbeat = heartbeat;
        o.grace = grace;
        o.host = std::move(host);
        return o;
    };
    CHECK_THROWS_WITH_AS(storage::journal(file, options(1s, 1500ms, "")),
                         doctest::Contains("grace (1500 ms) must be at least twice the heartbeat (1000 ms)"),
                         htune::invalid_argument);
    CHECK_THROWS_WITH_AS(storage::journal(file, options(-1ms, 1s, "")),
                         doctest::Contains("heartbeat must not be negative, got -1 ms"), htune::invalid_argument);
    CHECK_THROWS_WITH_AS(storage::journal(file, options(0ms, 0ms, "")),
                         doctest::Contains("grace must be positive, got 0 ms"), htune::invalid_argument);
    CHECK_THROWS_WITH_AS(storage::journal(file, options(0ms, 1s, "rack/7")),
                         doctest::Contains("host \"rack/7\" must not contain '/'"), htune::invalid_argument);
    CHECK_NOTHROW(storage::journal(file, options(0ms, 1s, "rack-7"))); // no heartbeat: any grace
}
