// Bad journals: a corrupted line in the middle, a journal written with another space or another
// direction under the same study name, an unknown operation, a line over the length limit, and
// lines that are JSON but not operations. Every error is an htune::journal_error naming the file
// and the line (with its byte offset for corruption) and what is wrong.

#include <doctest/doctest.h>

#if __has_include(<nlohmann/json.hpp>)

#include <htune/samplers/random.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/tune/study.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bad_input_support.hpp"

using htune::journal_error;
using htune::test::contains;
using htune::test::expect_throw;
using htune::test::lines_of;
using htune::test::read_all;
using htune::test::temp_dir;
using htune::test::write_all;

namespace {
using space =
    htune::search_space<htune::uniform<"x", -5.0, 10.0>, htune::int_uniform<"width", 16, 112, htune::step<16>>,
                        htune::choice_of<"optimizer", "sgd", "adam">>;
using study = htune::tune::study<space, htune::samplers::random>;

htune::storage::journal_options quiet() {
    htune::storage::journal_options o;
    o.sync = false;
    o.warn = [](std::string const&) {};
    return o;
}

// A journal with 3 complete trials (create_study, then per trial create + state lines).
std::filesystem::path good_journal(temp_dir const& dir) {
    auto const path = dir / "study.jsonl";
    study s({.seed = 3}, htune::storage::open_journal(path, quiet()));
    s.optimize([](auto& t) { return t.template get<"x">(); }, 3);
    REQUIRE(s.trials().size() == 3);
    return path;
}

// The text with line `index` (0-based) replaced; `offset` gets the byte offset where it starts.
std::string replace_line(std::string const& text, std::size_t index, std::string const& replacement,
                         std::size_t& offset) {
    auto const lines = lines_of(text);
    REQUIRE(index < lines.size());
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i == index) offset = out.size();
        out += (i == index ? replacement : lines[i]) + "\n";
    }
    return out;
}
} // namespace

TEST_CASE("bad journal: a corrupted line in the middle names the file, the line and its byte offset") {
    temp_dir dir;
    auto const path = good_journal(dir);
    std::string const intact = read_all(path);
    auto const lines = lines_of(intact);
    REQUIRE(lines.size() >= 5);
    std::size_t offset = 0;
    std::string const broken = replace_line(intact, 2, lines[2].substr(0, lines[2].size() / 2), offset);
    write_all(path, broken);
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {"htune::storage::journal: \"" + path.string() + "\" line 3 (byte offset " +
                                     std::to_string(offset) + "): not a JSON object",
                                 "corrupted", "sed -i '3d'"});
    CHECK(read_all(path) == broken); // nothing was rewritten
}

TEST_CASE("bad journal: an empty line and a JSON value that is not an object") {
    temp_dir dir;
    auto const path = good_journal(dir);
    std::string const intact = read_all(path);
    std::size_t offset = 0;
    write_all(path, replace_line(intact, 1, "", offset));
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {path.string(), "line 2 (byte offset " + std::to_string(offset) + "): empty line"});
    write_all(path, replace_line(intact, 3, "[4, 0, 1]", offset));
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {"line 4 (byte offset " + std::to_string(offset) + "): not a JSON object"});
}

TEST_CASE("bad journal: an object that is not a valid operation") {
    temp_dir dir;
    auto const path = good_journal(dir);
    std::string const intact = read_all(path);
    std::size_t offset = 0;
    // set_trial_param without the param's fields.
    write_all(path, replace_line(intact, 2, R"({"op_code": 5, "worker_id": "w", "trial_id": 0})", offset));
    expect_throw<journal_error>(
        [&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
        {path.string(), "line 3 (byte offset " + std::to_string(offset) + ")", "not a valid operation"});
    // op_code as a string.
    write_all(path, intact + R"({"op_code": "4", "worker_id": "w"})" + "\n");
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {"line " + std::to_string(lines_of(intact).size() + 1), "not a valid operation"});
}

TEST_CASE("bad journal: an unknown trial state") {
    temp_dir dir;
    auto const path = dir / "study.jsonl";
    {
        study s({.seed = 3}, htune::storage::open_journal(path, quiet()));
        (void)s.ask(); // left running
    }
    std::string const intact = read_all(path);
    auto const line = lines_of(intact).size() + 1;
    write_all(path, intact + R"({"op_code": 6, "worker_id": "w", "trial_id": 0, "state": 9, "values": [1.0]})" + "\n");
    expect_throw<journal_error>(
        [&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
        {path.string(), "line " + std::to_string(line) + " (byte offset " + std::to_string(intact.size()) + ")",
         "not a valid operation (unknown trial state 9)"});
}

TEST_CASE("bad journal: a stored value outside the space under the same distribution") {
    temp_dir dir;
    auto const path = good_journal(dir);
    std::string text = read_all(path);
    auto const lines = lines_of(text);
    std::string line = lines[1]; // trial 0's create_trial
    auto const at = line.find("\"x\":", line.find("\"params\":"));
    REQUIRE(at != std::string::npos);
    auto const end = line.find_first_of(",}", at);
    line = line.substr(0, at) + "\"x\":50.5" + line.substr(end);
    std::size_t offset = 0;
    write_all(path, replace_line(text, 1, line, offset));
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {"stored trial 0 does not fit the space", "param \"x\"", "50.5"});
}

TEST_CASE("bad journal: a param value that is not a number") {
    temp_dir dir;
    auto const path = good_journal(dir);
    std::string text = read_all(path);
    auto const lines = lines_of(text);
    // Trial 0's create_trial line is line 2; its x becomes a string.
    std::string line = lines[1];
    auto const at = line.find("\"x\":", line.find("\"params\":"));
    REQUIRE(at != std::string::npos);
    auto const end = line.find_first_of(",}", at);
    line = line.substr(0, at) + "\"x\":\"ten\"" + line.substr(end);
    std::size_t offset = 0;
    write_all(path, replace_line(text, 1, line, offset));
    expect_throw<journal_error>(
        [&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
        {"line 2 (byte offset " + std::to_string(offset) + ")", "expected a number, got \"ten\""});
}

TEST_CASE("bad journal: a journal of another space under the same name (another distribution)") {
    temp_dir dir;
    auto const path = good_journal(dir);
    // width's step moved from 16 to 32.
    using moved =
        htune::search_space<htune::uniform<"x", -5.0, 10.0>, htune::int_uniform<"width", 16, 112, htune::step<32>>,
                            htune::choice_of<"optimizer", "sgd", "adam">>;
    expect_throw<journal_error>(
        [&] {
            htune::tune::study<moved, htune::samplers::random> s({.seed = 3},
                                                                 htune::storage::open_journal(path, quiet()));
        },
        {path.string(), "trial 0 of study \"htune\" has param \"width\" with distribution", "\"step\":16",
         "but the space has", "\"step\":32", "written with another space"});
}

TEST_CASE("bad journal: a journal of another space under the same name (a param the space lacks)") {
    temp_dir dir;
    auto const path = good_journal(dir);
    using fewer = htune::search_space<htune::uniform<"x", -5.0, 10.0>, htune::choice_of<"optimizer", "sgd", "adam">>;
    expect_throw<journal_error>(
        [&] {
            htune::tune::study<fewer, htune::samplers::random> s({.seed = 3},
                                                                 htune::storage::open_journal(path, quiet()));
        },
        {path.string(), "has param \"width\", which the space does not have (x, optimizer)"});
    // The same journal under another study name is another study: no error.
    htune::tune::study<fewer, htune::samplers::random> other({.seed = 3, .name = "second"},
                                                             htune::storage::open_journal(path, quiet()));
    CHECK(other.trials().empty());
}

TEST_CASE("bad journal: the other direction") {
    temp_dir dir;
    auto const path = good_journal(dir);
    expect_throw<journal_error>(
        [&] {
            study s({.goal = htune::tune::direction::maximize, .seed = 3}, htune::storage::open_journal(path, quiet()));
        },
        {path.string(), "line 1", "study \"htune\" was created to minimize, not to maximize",
         "open it with the same direction, or give the study another name"});
}

// An intact journal written for another direction or space: the error names the file and line
// but says nothing of corruption (deleting the create_study line would orphan every trial).
TEST_CASE("bad journal: a mismatch is not called corruption, nor is deleting a line advised") {
    temp_dir dir;
    auto const path = good_journal(dir);
    auto const direction = expect_throw<journal_error>(
        [&] {
            study s({.goal = htune::tune::direction::maximize, .seed = 3}, htune::storage::open_journal(path, quiet()));
        },
        {"was created to minimize, not to maximize"});
    CHECK_MESSAGE(!contains(direction, "corrupted"), direction);
    CHECK_MESSAGE(!contains(direction, "sed -i"), direction);
    using fewer = htune::search_space<htune::uniform<"x", -5.0, 10.0>, htune::choice_of<"optimizer", "sgd", "adam">>;
    auto const space_message = expect_throw<journal_error>(
        [&] {
            htune::tune::study<fewer, htune::samplers::random> s({.seed = 3},
                                                                 htune::storage::open_journal(path, quiet()));
        },
        {"which the space does not have"});
    CHECK_MESSAGE(!contains(space_message, "corrupted"), space_message);
    CHECK_MESSAGE(!contains(space_message, "sed -i"), space_message);
}

TEST_CASE("bad journal: a study with two objectives under the same name") {
    temp_dir dir;
    auto const path = dir / "multi.jsonl";
    write_all(path, R"({"op_code": 0, "worker_id": "optuna", "study_name": "htune", "directions": [1, 2]})"
                    "\n");
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {path.string(), "line 1", "study \"htune\" has 2 objectives; htune studies have one"});
}

TEST_CASE("bad journal: an unknown op_code says the file may come from a newer version") {
    temp_dir dir;
    auto const path = good_journal(dir);
    std::string const intact = read_all(path);
    auto const line = lines_of(intact).size() + 1;
    write_all(path, intact + R"({"op_code": 42, "worker_id": "w"})" + "\n");
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {"htune::storage::journal: \"" + path.string() + "\" line " + std::to_string(line),
                                 "unknown operation op_code=42", "newer version of Optuna or htune"});
    write_all(path, intact + R"({"op_code": -1, "worker_id": "w"})" + "\n");
    expect_throw<journal_error>([&] { study s({.seed = 3}, htune::storage::open_journal(path, quiet())); },
                                {"unknown operation op_code=-1"});
}

TEST_CASE("bad journal: a line over the length limit") {
    temp_dir dir;
    auto const path = good_journal(dir);
    std::string const intact = read_all(path);
    auto const lines = lines_of(intact);
    std::size_t limit = 0;
    for (std::size_t i = 0; i < 2; ++i) limit = std::max(limit, lines[i].size());
    // The first two lines fit; a later, longer one does not.
    std::size_t long_index = 2;
    while (long_index < lines.size() && lines[long_index].size() <= limit) ++long_index;
    if (long_index == lines.size()) {
        // No line is longer: append one.
        write_all(path, intact + R"({"op_code": 8, "worker_id": "w", "trial_id": 0, "user_attr": {"note": ")" +
                            std::string(limit, 'a') + "\"}}\n");
        long_index = lines.size();
    }
    std::size_t offset = 0;
    for (std::size_t i = 0; i < long_index; ++i) offset += lines[i].size() + 1;
    auto options = quiet();
    options.max_line_bytes = limit;
    expect_throw<journal_error>(
        [&] { study s({.seed = 3}, htune::storage::open_journal(path, options)); },
        {path.string(), "line " + std::to_string(long_index + 1) + " (byte offset " + std::to_string(offset) + ")",
         "the line is longer than " + std::to_string(limit) + " bytes"});
}

TEST_CASE("bad journal: a path that cannot be opened") {
    temp_dir dir;
    auto const path = dir / "no_such_dir" / "study.jsonl";
    expect_throw<journal_error>([&] { (void)htune::storage::open_journal(path, quiet()); },
                                {"htune::storage::journal: cannot open \"" + path.string() + "\"", "No such file"});
    expect_throw<journal_error>([&] { (void)htune::storage::open_journal(dir.path, quiet()); },
                                {"cannot open \"" + dir.path.string() + "\"", "Is a directory"});
}

#endif // nlohmann-json
