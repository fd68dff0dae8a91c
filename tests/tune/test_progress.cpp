#include <doctest/doctest.h>

#include <htune/samplers/random.hpp>
#include <htune/space.hpp>
#include <htune/tune/study.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace htune;

namespace {

using space = search_space<uniform<"x", 0.0, 1.0>>;

std::vector<std::string> lines_of(std::string const& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Trial 2 fails, trial 3 is pruned at step 1, the rest complete with x.
double objective(tune::study<space>::trial const& t) {
    t.report(0, 1.0);
    if (t.number() == 2) throw std::runtime_error("boom\nsecond line");
    if (t.number() == 3) {
        t.report(1, 2.0);
        t.prune();
    }
    return t.get<"x">();
}

} // namespace

TEST_CASE("progress: a line per finished trial with counts, the best so far and the time") {
    std::ostringstream out;
    tune::study<space> s({.seed = 3});
    s.optimize(objective, 5, {.progress = tune::progress_display::lines, .progress_to = &out});
    auto const lines = lines_of(out.str());
    REQUIRE(lines.size() == 5);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        CAPTURE(lines[i]);
        CHECK(lines[i].starts_with("htune: trial " + std::to_string(i) + " "));
        CHECK(lines[i].find(" | " + std::to_string(i + 1) + "/5 trials") != std::string::npos);
        CHECK(lines[i].find(" | best ") != std::string::npos);
    }
    CHECK(lines[0].find("complete ") != std::string::npos);
    CHECK(lines[0].find("ETA ") != std::string::npos);                   // 4 trials to go
    CHECK(lines[4].find("ETA ") == std::string::npos);                   // done
    CHECK(lines[2].find("trial 2 failed: boom |") != std::string::npos); // first line of the message only
    CHECK(lines[3].find("trial 3 pruned at step 1 |") != std::string::npos);
    CHECK(lines[4].find("(1 pruned, 1 failed)") != std::string::npos);
    auto const& best = s.best();
    CHECK(lines[4].find("best " +
                        [&] {
                            std::ostringstream v;
                            v << std::setprecision(6) << best.value;
                            return v.str();
                        }() +
                        " (trial " + std::to_string(best.number) + " {x=") != std::string::npos);
}

TEST_CASE("progress: nothing by default when the output is not a terminal; a redrawn line when asked") {
    std::ostringstream quiet;
    tune::study<space> a({.seed = 3});
    a.optimize(objective, 5, {.progress_to = &quiet});
    CHECK(quiet.str().empty());
    a.optimize(objective, 2, {.progress = tune::progress_display::off, .verbose = true, .progress_to = &quiet});
    CHECK(quiet.str().empty());

    std::ostringstream bar;
    tune::study<space> b({.seed = 3});
    b.optimize(objective, 5, {.progress = tune::progress_display::bar, .progress_to = &bar});
    std::string const text = bar.str();
    CHECK(text.starts_with("\r\x1b[Khtune: 1/5 trials"));
    CHECK(text.ends_with("\n"));
    CHECK(lines_of(text).size() == 1); // one line, redrawn in place
    CHECK(text.rfind("\r\x1b[Khtune: 5/5 trials (1 pruned, 1 failed)") != std::string::npos);
}

TEST_CASE("progress: verbose adds the reported values; optimize_until counts complete trials") {
    std::ostringstream out;
    tune::study<space> s({.seed = 3});
    s.optimize_until(objective, 4, {.progress = tune::progress_display::lines, .verbose = true, .progress_to = &out});
    auto const lines = lines_of(out.str());
    CHECK(lines.front() == "htune: trial 0 step 0: 1");
    std::size_t steps = 0, ends = 0;
    for (auto const& line : lines) {
        bool const end = line.find(" | ") != std::string::npos;
        ends += end;
        steps += !end && line.find(" step ") != std::string::npos;
    }
    CHECK(ends == 6);  // 4 complete, 1 failed, 1 pruned
    CHECK(steps == 7); // one report per trial, two for the pruned one
    CHECK(lines.back().find("| 4/4 complete (1 pruned, 1 failed)") != std::string::npos);
}

TEST_CASE("progress: with 2 jobs every line is whole") {
    std::ostringstream out;
    tune::study<space> s({.seed = 3});
    s.optimize(objective, 12,
               {.jobs = 2, .progress = tune::progress_display::lines, .verbose = true, .progress_to = &out});
    auto const lines = lines_of(out.str());
    std::size_t ends = 0;
    for (auto const& line : lines) {
        CAPTURE(line);
        CHECK(line.starts_with("htune: trial "));
        ends += line.find(" trials") != std::string::npos;
    }
    CHECK(ends == 12);
}
