#include <doctest/doctest.h>

#include <htune/samplers/random.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/tune/study.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "files.hpp"

using namespace htune;
using test::lines_of;
using test::read_all;
using test::temp_dir;
using test::write_all;
using tune::trial_state;

namespace {

// Every kind of param, a conditional one included.
using mixed_space = search_space<uniform<"x", -5.0, 10.0>, log_uniform<"lr", 1e-5, 1e-1>,
                                 int_uniform<"width", 16, 256, step<16>>, int_uniform<"batch", 8, 512, log_scale>,
                                 discrete<"ratio", 0.25, 0.5, 0.75>, choice_of<"optimizer", "sgd", "adam">,
                                 conditional<uniform<"momentum", 0.0, 0.99>, when<"optimizer", "sgd">>>;

double mixed_objective(mixed_space::config const& c) {
    double v = std::pow(c.get<"x">() - 1.0, 2) + std::abs(std::log10(c.get<"lr">()) + 3.0) +
               static_cast<double>(c.get<"width">()) / 256.0 + static_cast<double>(c.get<"batch">()) / 512.0 +
               c.get<"ratio">();
    if (auto const m = c.get<"momentum">()) v += *m;
    return v;
}

storage::journal_options quiet(std::vector<std::string>* warnings = nullptr) {
    storage::journal_options o;
    o.sync = false;
    o.warn = [warnings](std::string const& w) {
        if (warnings) warnings->push_back(w);
    };
    return o;
}

template <class Sampler = samplers::tpe<>>
using mixed_study = tune::study<mixed_space, Sampler>;

// Trials `from` to `to` (exclusive) of a fixed script: some fail, some are pruned, the rest complete.
template <class Study>
void run_mixed(Study& s, int from, int to) {
    for (int i = from; i < to; ++i) {
        auto t = s.ask();
        CHECK(t.number() == static_cast<std::uint64_t>(i));
        if (i % 7 == 3) {
            s.fail(t, "boom \"quoted\"\nsecond line");
            continue;
        }
        s.report(t, 0, 10.0 + i);
        s.report(t, 1, 5.0 + i);
        s.set_user_attr(t, "note", "trial " + std::to_string(i));
        if (i % 7 == 5) {
            s.prune(t);
            continue;
        }
        s.tell(t, mixed_objective(t.params()));
    }
}

template <class Record>
void check_same_trials(std::vector<Record> const& a, std::vector<Record> const& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(i);
        CHECK(a[i].number == b[i].number);
        CHECK(a[i].state == b[i].state);
        CHECK(a[i].config == b[i].config);
        if (a[i].state == trial_state::complete) CHECK(a[i].value == b[i].value); // bit for bit
        CHECK(a[i].intermediate == b[i].intermediate);
        CHECK(a[i].user_attrs == b[i].user_attrs);
        CHECK(a[i].message == b[i].message);
        CHECK(a[i].enqueued == b[i].enqueued);
    }
}

// Runs `script` with Debian's Python (the one that has Optuna) and returns its standard output.
std::string run_python(temp_dir const& dir, std::string const& script) {
    auto const file = dir / "check.py";
    write_all(file, script);
    auto const out = dir / "python.out";
    auto const err = dir / "python.err";
    std::string const command =
        "/usr/bin/python3 -W ignore " + file.string() + " > " + out.string() + " 2> " + err.string();
    int const rc = std::system(command.c_str());
    std::string const text = read_all(out);
    INFO("python output: " << text << read_all(err));
    REQUIRE(rc == 0);
    return text;
}

} // namespace

TEST_CASE("journal: a study reopened from its journal has the same trials, bit for bit") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    mixed_study<> first({.seed = 11}, storage::open_journal(path, quiet()));
    first.enqueue("{x=1, lr=0.001, width=64, batch=32, ratio=0.5, optimizer=sgd, momentum=0.9}");
    run_mixed(first, 0, 30);

    mixed_study<> second({.seed = 11}, storage::open_journal(path, quiet()));
    check_same_trials(first.trials(), second.trials());
    CHECK(second.best_value() == first.best_value());
    CHECK(second.trials()[0].enqueued);
    CHECK(second.trials()[3].message == "boom \"quoted\"\nsecond line");
}

TEST_CASE("journal: a resumed study proposes what an uninterrupted one does") {
    temp_dir dir;
    mixed_study<> whole({.seed = 5});
    run_mixed(whole, 0, 40);

    auto const path = dir / "study.jsonl";
    {
        mixed_study<> part({.seed = 5}, storage::open_journal(path, quiet()));
        run_mixed(part, 0, 25);
    }
    mixed_study<> resumed({.seed = 5}, storage::open_journal(path, quiet()));
    REQUIRE(resumed.trials().size() == 25);
    run_mixed(resumed, 25, 40);
    check_same_trials(whole.trials(), resumed.trials());
}

TEST_CASE("journal: Optuna 3.1 loads an htune study: params, states, values, intermediate values") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    mixed_study<> s({.seed = 3}, storage::open_journal(path, quiet()));
    run_mixed(s, 0, 16);

    std::string const out = run_python(dir, R"(
import json, optuna
from optuna.storages import JournalStorage, JournalFileStorage
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.load_study(study_name="htune", storage=JournalStorage(JournalFileStorage(")" +
                                                path.string() + R"(")))
print(study.direction.name)
for t in study.trials:
    print(json.dumps({"number": t.number, "state": t.state.name, "value": t.value, "params": t.params,
                      "intermediate": {str(k): v for k, v in sorted(t.intermediate_values.items())},
                      "user_attrs": t.user_attrs, "fail_reason": t.system_attrs.get("fail_reason")}))
)");
    auto const lines = lines_of(out);
    REQUIRE(lines.size() == 1 + s.trials().size());
    CHECK(lines[0] == "MINIMIZE");
    for (auto const& r : s.trials()) {
        CAPTURE(r.number);
        auto const j = nlohmann::json::parse(lines[1 + r.number]);
        CHECK(j["number"].get<std::uint64_t>() == r.number);
        std::string const state = j["state"].get<std::string>();
        switch (r.state) {
            case trial_state::complete:
                CHECK(state == "COMPLETE");
                CHECK(j["value"].get<double>() == r.value);
                break;
            case trial_state::failed:
                CHECK(state == "FAIL");
                CHECK(j["fail_reason"].get<std::string>() == r.message);
                break;
            case trial_state::pruned:
                CHECK(state == "PRUNED");
                CHECK(j["value"].get<double>() == r.intermediate.back().value);
                break;
            case trial_state::running: CHECK(state == "RUNNING"); break;
        }
        auto const& p = j["params"];
        auto const& c = r.config;
        CHECK(p["x"].get<double>() == c.get<"x">());
        CHECK(p["lr"].get<double>() == c.get<"lr">());
        CHECK(p["width"].get<std::int64_t>() == c.get<"width">());
        CHECK(p["batch"].get<std::int64_t>() == c.get<"batch">());
        CHECK(p["ratio"].get<double>() == c.get<"ratio">());
        CHECK(p["optimizer"].get<std::string>() == c.get<"optimizer">());
        if (auto const m = c.get<"momentum">()) CHECK(p["momentum"].get<double>() == *m);
        else CHECK(!p.contains("momentum"));
        CHECK(j["intermediate"].size() == r.intermediate.size());
        for (auto const& iv : r.intermediate)
            CHECK(j["intermediate"][std::to_string(iv.step)].get<double>() == iv.value);
        for (auto const& [k, v] : r.user_attrs) CHECK(j["user_attrs"][k].get<std::string>() == v);
    }
}

TEST_CASE("journal: htune resumes a study written by Optuna, infinite values included") {
    temp_dir dir;
    auto const path = dir / "optuna.jsonl";
    run_python(dir, R"(
import optuna
from optuna.storages import JournalStorage, JournalFileStorage
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.create_study(study_name="htune", direction="maximize",
                            storage=JournalStorage(JournalFileStorage(")" +
                        path.string() + R"(")), sampler=optuna.samplers.RandomSampler(seed=1))
def objective(t):
    x = t.suggest_float("x", -5.0, 10.0)
    opt = t.suggest_categorical("optimizer", ["sgd", "adam"])
    if opt == "sgd":
        t.suggest_float("momentum", 0.0, 0.99)
    t.report(x, 0)
    if t.number == 2:
        return float("inf")
    if t.number == 3:
        raise optuna.TrialPruned()
    return -x * x
study.optimize(objective, n_trials=8)
)");
    using space = search_space<uniform<"x", -5.0, 10.0>, choice_of<"optimizer", "sgd", "adam">,
                               conditional<uniform<"momentum", 0.0, 0.99>, when<"optimizer", "sgd">>>;
    tune::study<space, samplers::tpe<>> s({.goal = tune::direction::maximize, .seed = 1},
                                          storage::open_journal(path, quiet()));
    REQUIRE(s.trials().size() == 8);
    CHECK(s.trials()[2].state == trial_state::failed); // +inf: complete for Optuna, never learnt from here
    CHECK(s.trials()[3].state == trial_state::pruned);
    CHECK(s.trials()[0].state == trial_state::complete);
    CHECK(s.trials()[0].value == doctest::Approx(-std::pow(s.trials()[0].config.get<"x">(), 2)));
    s.optimize([](auto& t) { return -std::pow(t.template get<"x">(), 2); }, 4);
    CHECK(s.trials().size() == 12);
}

TEST_CASE("journal: a torn last line is cut off before the next append, with a warning") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    {
        mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
        run_mixed(s, 0, 5);
    }
    std::string const intact = read_all(path);
    write_all(path, intact + R"({"op_code": 4, "worker_id": "w", "study_id": 0, "datetime_st)");
    std::vector<std::string> warnings;
    mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, quiet(&warnings)));
    CHECK(s.trials().size() == 5);
    CHECK(warnings.empty()); // reading alone changes nothing
    CHECK(read_all(path).size() > intact.size());
    run_mixed(s, 5, 7);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("torn last line") != std::string::npos);
    std::string const after = read_all(path);
    CHECK(after.compare(0, intact.size(), intact) == 0);
    CHECK(after.find("datetime_st\"") == std::string::npos);
    mixed_study<samplers::random> again({.seed = 2}, storage::open_journal(path, quiet()));
    CHECK(again.trials().size() == 7);
}

TEST_CASE("journal: corruption, another space, another direction and a newer format are clear errors") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    {
        mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
        run_mixed(s, 0, 4);
    }
    std::string const intact = read_all(path);
    auto lines = lines_of(intact);
    REQUIRE(lines.size() > 5);

    auto const expect_error = [&](std::string const& text, std::vector<std::string> const& parts) {
        write_all(path, text);
        try {
            mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
            FAIL("no error for a bad journal");
        } catch (journal_error const& e) {
            std::string const what = e.what();
            for (auto const& p : parts) CHECK_MESSAGE(what.find(p) != std::string::npos, what);
        }
    };

    SUBCASE("a bad line in the middle") {
        std::string text;
        std::uint64_t offset = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (i == 3) {
                offset = text.size();
                text += lines[i].substr(0, lines[i].size() / 2) + "\n";
            } else {
                text += lines[i] + "\n";
            }
        }
        expect_error(text, {"line 4", "byte offset " + std::to_string(offset), "corrupted", "sed -i '4d'"});
        CHECK(read_all(path) == text); // nothing rewritten
    }
    SUBCASE("an unknown operation") {
        expect_error(intact + R"({"op_code": 42, "worker_id": "w"})" + "\n", {"op_code=42", "newer version"});
    }
    SUBCASE("a line past the length limit") {
        storage::journal_options o = quiet();
        o.max_line_bytes = 64;
        write_all(path, intact);
        try {
            mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, o));
            FAIL("no error for a long line");
        } catch (journal_error const& e) {
            CHECK(std::string(e.what()).find("longer than 64 bytes") != std::string::npos);
        }
    }
    SUBCASE("another space under the same name") {
        write_all(path, intact);
        // x's upper bound moved from 10 to 11.
        using moved = search_space<uniform<"x", -5.0, 11.0>, log_uniform<"lr", 1e-5, 1e-1>,
                                   int_uniform<"width", 16, 256, step<16>>, int_uniform<"batch", 8, 512, log_scale>,
                                   discrete<"ratio", 0.25, 0.5, 0.75>, choice_of<"optimizer", "sgd", "adam">,
                                   conditional<uniform<"momentum", 0.0, 0.99>, when<"optimizer", "sgd">>>;
        try {
            tune::study<moved, samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
            FAIL("no error for another space");
        } catch (journal_error const& e) {
            std::string const what = e.what();
            CHECK_MESSAGE(what.find("param \"x\" with distribution") != std::string::npos, what);
            CHECK(what.find("another space") != std::string::npos);
        }
        // A space without "width" and the others.
        using fewer = search_space<uniform<"x", -5.0, 10.0>, log_uniform<"lr", 1e-5, 1e-1>>;
        try {
            tune::study<fewer, samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
            FAIL("no error for another space");
        } catch (journal_error const& e) {
            std::string const what = e.what();
            CHECK_MESSAGE(what.find("which the space does not have (x, lr)") != std::string::npos, what);
        }
    }
    SUBCASE("the other direction") {
        write_all(path, intact);
        try {
            mixed_study<samplers::random> s({.goal = tune::direction::maximize, .seed = 2},
                                            storage::open_journal(path, quiet()));
            FAIL("no error for another direction");
        } catch (journal_error const& e) {
            CHECK(std::string(e.what()).find("to minimize, not to maximize") != std::string::npos);
        }
    }
    SUBCASE("another name is another study in the same file") {
        write_all(path, intact);
        using other = search_space<uniform<"y", 0.0, 1.0>>;
        tune::study<other, samplers::random> s({.seed = 2, .name = "second"}, storage::open_journal(path, quiet()));
        CHECK(s.trials().empty());
        s.optimize([](auto& t) { return t.template get<"y">(); }, 3);
        mixed_study<samplers::random> first({.seed = 2}, storage::open_journal(path, quiet()));
        CHECK(first.trials().size() == 4);
    }
}

// Found by fuzz/journal_reader.cpp (seeds fuzz/corpus/journal_reader/regression_*.jsonl): a start time
// in the year 1013 overflowed the nanosecond clock (undefined behaviour), an integer field given as a
// float out of range (op_code 1e300) was converted unchecked (undefined behaviour), and a large one
// wrapped (op_code 4294967296 read as 0, create_study). Integer fields are checked now, and a time
// outside 1970 to 2262 is dropped.
TEST_CASE("journal: numbers and times out of range are errors or dropped, never undefined behaviour") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    {
        mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
        run_mixed(s, 0, 3);
    }
    std::string const intact = read_all(path);
    auto const expect_invalid = [&](std::string const& appended, std::string const& value) {
        write_all(path, intact + appended);
        try {
            mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
            FAIL("no error for " << appended);
        } catch (journal_error const& e) {
            std::string const what = e.what();
            CHECK_MESSAGE(
                what.find("not a valid operation (expected an integer, got " + value + ")") != std::string::npos, what);
        }
    };
    expect_invalid(R"({"op_code": 1e300, "worker_id": "w"})"
                   "\n",
                   "1e+300");
    expect_invalid(R"({"op_code": 4294967296, "worker_id": "w"})"
                   "\n",
                   "4294967296");
    expect_invalid(R"({"op_code": 8, "worker_id": "w", "trial_id": -1e300, "user_attr": {}})"
                   "\n",
                   "-1e+300");
    expect_invalid(R"({"op_code": 4, "worker_id": "w", "study_id": 0, "state": 2.5})"
                   "\n",
                   "2.5");
    expect_invalid(R"({"op_code": 4, "worker_id": "w", "study_id": 0})"
                   "\n"
                   R"({"op_code": 7, "worker_id": "w", "trial_id": 3, "step": -1, "intermediate_value": 1.0})"
                   "\n",
                   "-1");
    // A whole float is an integer, as for Optuna.
    write_all(path, intact + R"({"op_code": 8.0, "worker_id": "w", "trial_id": 2.0, "user_attr": {"k": "v"}})"
                             "\n");
    CHECK(mixed_study<samplers::random>({.seed = 2}, storage::open_journal(path, quiet())).trials().size() == 3);

    // Start times before 1970 or after 2262 are dropped: the trial loads without one.
    std::string text = intact;
    std::string const key = R"("datetime_start":")";
    std::size_t at = text.find(key);
    REQUIRE(at != std::string::npos);
    text.replace(at + key.size(), 26, "1013-11-23T20:40:28.148406");
    at = text.find(key, at + 1);
    REQUIRE(at != std::string::npos);
    text.replace(at + key.size(), 26, "9999-12-31T23:59:59.999999");
    write_all(path, text);
    mixed_study<samplers::random> s({.seed = 2}, storage::open_journal(path, quiet()));
    REQUIRE(s.trials().size() == 3);
    CHECK(s.trials()[0].started == decltype(s.trials()[0].started){});
    CHECK(s.trials()[1].started == decltype(s.trials()[1].started){});
    CHECK(s.trials()[2].started > decltype(s.trials()[2].started){});
}

namespace {
double slow_objective(mixed_space::config const& c) {
    ::usleep(2000);
    return mixed_objective(c);
}

// Runs the study to `target` complete trials in a child process, which may be killed at any moment.
pid_t spawn_worker(std::filesystem::path const& path, std::uint64_t target, std::uint64_t seed) {
    pid_t const pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int rc = 0;
        try {
            storage::journal_options o;
            o.warn = [](std::string const&) {};
            mixed_study<> s({.seed = seed, .max_attempts = 1000}, storage::open_journal(path, o));
            s.optimize_until([](auto& t) { return slow_objective(t.params()); }, target);
        } catch (std::exception const& e) {
            std::fprintf(stderr, "worker: %s\n", e.what());
            rc = 3;
        }
        ::_exit(rc);
    }
    return pid;
}
} // namespace

TEST_CASE("journal: a study killed with SIGKILL 20 times ends with exactly its trials, as if never killed") {
    temp_dir dir;
    std::uint64_t const target = 40;
    mixed_study<> whole({.seed = 9});
    whole.optimize_until([](auto& t) { return mixed_objective(t.params()); }, target);

    auto const path = dir / "study.jsonl";
    std::uint64_t state = 12345;
    int kills = 0;
    for (; kills < 20; ++kills) {
        pid_t const pid = spawn_worker(path, target, 9);
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        ::usleep(static_cast<useconds_t>(2000 + (state >> 33) % 9000)); // 2 to 11 ms
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
    pid_t const last = spawn_worker(path, target, 9);
    int status = 0;
    ::waitpid(last, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    mixed_study<> s({.seed = 9}, storage::open_journal(path, quiet()));
    CHECK(s.count(trial_state::complete) == target);
    CHECK(s.count(trial_state::failed) == 0);
    CHECK(s.count(trial_state::running) == 0);
    REQUIRE(s.trials().size() == target);
    std::size_t reruns = 0;
    for (auto const& r : s.trials()) reruns += r.attempt > 1 ? 1 : 0;
    MESSAGE(reruns, " trials were interrupted and rerun");
    CHECK(reruns >= 1); // the kills did land inside trials
    for (std::size_t i = 0; i < target; ++i) {
        CAPTURE(i);
        CHECK(s.trials()[i].config == whole.trials()[i].config);
        CHECK(s.trials()[i].value == whole.trials()[i].value);
    }
    // And Optuna still reads it.
    std::string const out = run_python(dir, R"(
import optuna
from optuna.storages import JournalStorage, JournalFileStorage
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.load_study(study_name="htune", storage=JournalStorage(JournalFileStorage(")" +
                                                path.string() + R"(")))
print(len([t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]), len(study.trials))
)");
    CHECK(out == std::to_string(target) + " " + std::to_string(target) + "\n");
}

TEST_CASE("journal: four processes share one journal; no trial number is handed out twice") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    std::uint64_t const target = 48;
    std::vector<pid_t> workers;
    for (int w = 0; w < 4; ++w) workers.push_back(spawn_worker(path, target, 21));
    for (pid_t const pid : workers) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    mixed_study<> s({.seed = 21}, storage::open_journal(path, quiet()));
    CHECK(s.count(trial_state::complete) == target);
    CHECK(s.trials().size() == target);
    std::set<std::string> workers_seen;
    for (auto const& r : s.trials()) workers_seen.insert(r.worker);
    MESSAGE("trials ran in ", workers_seen.size(), " worker processes");
    CHECK(workers_seen.size() >= 2);
}

TEST_CASE("journal: a retried trial is stored with the last attempt's intermediate values only") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    std::map<std::uint64_t, int> calls;
    mixed_study<> s({.seed = 4}, storage::open_journal(path, quiet()));
    s.optimize(
        [&](auto& t) {
            int const call = ++calls[t.number()];
            t.report(0, 10.0 * call);
            if (call == 1) {
                t.report(1, 5.0);
                throw std::runtime_error("transient");
            }
            return mixed_objective(t.params());
        },
        3, {.retries = 1});
    REQUIRE(s.trials().size() == 3);
    CHECK(s.trials()[0].attempt == 2);
    CHECK(s.trials()[0].intermediate == std::vector<tune::intermediate_value>{{0, 20.0}});
    mixed_study<> reopened({.seed = 4}, storage::open_journal(path, quiet()));
    check_same_trials(reopened.trials(), s.trials());
    CHECK(reopened.trials()[0].attempt == 2);
}
