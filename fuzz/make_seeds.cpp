// Writes the seed corpora of the fuzz harnesses: fuzz/corpus/{journal_reader,csv_loader,idx_loader}/.
// The journals are written by short htune studies on the space of fuzz/journal_reader.cpp, plus an
// Optuna-style one by hand; the CSV and IDX seeds are small valid files and a few near-valid ones,
// each prefixed with the harness's option bytes, and regression inputs for bugs the harnesses found.
// Every seed stays under 4 KiB.
//   make_seeds <corpus dir>       (the seeds in the repository came from this program, except
//                                  idx_loader/regression_gzip_huge_header.idx, the fuzzer's own input)

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <zlib.h>

#include <htune/samplers/random.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/storage/optuna_params.hpp>
#include <htune/tune/study.hpp>

using namespace htune;

namespace {

// Must be the space of journal_reader.cpp.
using fuzz_space = search_space<uniform<"x", -5.0, 10.0>, log_uniform<"lr", 1e-4, 1e-1>,
                                int_uniform<"width", 16, 256, step<16>>, choice_of<"opt", "sgd", "adam">,
                                conditional<uniform<"m", 0.0, 0.99>, when<"opt", "sgd">>>;
using fuzz_study = tune::study<fuzz_space, samplers::random>;

std::filesystem::path root;

std::string read_all(std::filesystem::path const& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put(char const* harness, char const* name, std::string const& bytes) {
    auto const dir = root / harness;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << bytes;
    if (bytes.size() >= 4096) std::cerr << "warning: " << harness << "/" << name << " is " << bytes.size() << " bytes\n";
}

storage::journal_options quiet() {
    storage::journal_options o;
    o.sync = false;
    o.warn = [](std::string const&) {};
    return o;
}

// A journal of a short study: `trials` trials, some failed or pruned, the last one left running
// when `leave_running`.
std::string study_journal(int trials, bool leave_running, storage::direction goal = storage::direction::minimize,
                          std::string const& name = "htune") {
    auto const path = std::filesystem::temp_directory_path() / "htune-make-seeds.jsonl";
    std::filesystem::remove(path);
    {
        fuzz_study s({.goal = goal, .seed = 5, .name = name}, storage::open_journal(path, quiet()));
        for (int i = 0; i < trials; ++i) {
            auto t = s.ask();
            if (leave_running && i == trials - 1) break;
            if (i % 3 == 2) {
                s.fail(t, "boom \"quoted\"\nline");
                continue;
            }
            t.report(0, 3.0 + i);
            if (i % 3 == 1) {
                s.prune(t);
                continue;
            }
            t.set_user_attr("note", "trial " + std::to_string(i));
            s.tell(t, t.get<"x">() * t.get<"x">());
        }
    }
    std::string text = read_all(path);
    std::filesystem::remove(path);
    return text;
}

std::string distribution(char const* name) {
    for (auto const& p : storage::optuna_schema(fuzz_space{}))
        if (p.name == name) return p.distribution;
    return {};
}

std::string json_string(std::string const& s) { return nlohmann::json(s).dump(); }

// A journal as Optuna writes it: params one by one (set_trial_param), its non-finite tokens, a
// waiting trial, study and trial attributes, a second study that is deleted.
std::string optuna_journal() {
    std::string const w = R"("worker_id": "0f2c9a1e-optuna")";
    std::string j;
    auto line = [&](std::string const& s) { j += s + "\n"; };
    line(R"({"op_code": 0, )" + w + R"(, "study_name": "other", "directions": [2]})");
    line(R"({"op_code": 0, )" + w + R"(, "study_name": "htune", "directions": [1]})");
    line(R"({"op_code": 2, )" + w + R"(, "study_id": 1, "user_attr": {"k": "v"}})");
    line(R"({"op_code": 3, )" + w + R"(, "study_id": 1, "system_attr": {"s": 1}})");
    line(R"({"op_code": 4, )" + w + R"(, "study_id": 0, "datetime_start": "2024-05-06T07:08:09.000001"})");
    line(R"({"op_code": 4, )" + w + R"(, "study_id": 1, "datetime_start": "2024-05-06T07:08:10.5"})");
    auto param = [&](int trial, char const* name, char const* value) {
        line(R"({"op_code": 5, )" + w + R"(, "trial_id": )" + std::to_string(trial) + R"(, "param_name": ")" + name +
             R"(", "param_value_internal": )" + value + R"(, "distribution": )" + json_string(distribution(name)) +
             "}");
    };
    param(1, "x", "2.5");
    param(1, "lr", "0.001");
    param(1, "width", "64");
    param(1, "opt", "0");
    param(1, "m", "0.5");
    line(R"({"op_code": 7, )" + w + R"(, "trial_id": 1, "step": 0, "intermediate_value": Infinity})");
    line(R"({"op_code": 7, )" + w + R"(, "trial_id": 1, "step": 1, "intermediate_value": -Infinity})");
    line(R"({"op_code": 8, )" + w + R"(, "trial_id": 1, "user_attr": {"a": [1, 2]}})");
    line(R"({"op_code": 9, )" + w + R"(, "trial_id": 1, "system_attr": {"fail_reason": "none"}})");
    line(R"({"op_code": 6, )" + w +
         R"(, "trial_id": 1, "state": 1, "values": [NaN], "datetime_complete": "2024-05-06T07:09:00.000000"})");
    line(R"({"op_code": 4, )" + w + R"(, "study_id": 1, "datetime_start": "2024-05-06T07:10:00.000000", "state": 4, )"
         R"("params": {"x": 1.0, "lr": 0.01, "width": 32, "opt": 1}, "distributions": {"x": )" +
         distribution("x") + R"(, "lr": )" + distribution("lr") + R"(, "width": )" + distribution("width") +
         R"(, "opt": )" + distribution("opt") + R"(}, "user_attrs": {}, "system_attrs": {}, )"
         R"("intermediate_values": {"3": 0.25}, "value": null, "values": null})");
    line(R"({"op_code": 1, )" + w + R"(, "study_id": 0})");
    return j;
}

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string gzip(std::string const& bytes) {
    auto const path = std::filesystem::temp_directory_path() / "htune-make-seeds.gz";
    gzFile gz = gzopen(path.c_str(), "wb9");
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
    std::string out = read_all(path);
    std::filesystem::remove(path);
    return out;
}

// An idx_loader input: flags, the image file's length, the image file, the label file.
std::string idx_input(unsigned flags, std::string const& images, std::string const& labels) {
    std::string out;
    out += static_cast<char>(flags);
    out += static_cast<char>(images.size() >> 8);
    out += static_cast<char>(images.size() & 0xff);
    return out + images + labels;
}

std::string idx_images(std::uint32_t type, std::uint32_t n, std::uint32_t rows, std::uint32_t cols, std::size_t size) {
    std::string out = be32(type << 8 | 3) + be32(n) + be32(rows) + be32(cols);
    for (std::size_t i = 0; i < n * rows * cols * size; ++i) out += static_cast<char>((i * 37 + 11) & 0xff);
    return out;
}

std::string idx_labels(std::uint32_t type, std::vector<std::uint32_t> const& values, std::size_t size) {
    std::string out = be32(type << 8 | 1) + be32(static_cast<std::uint32_t>(values.size()));
    for (auto const v : values) out += be32(v).substr(4 - size);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_seeds <corpus dir>\n";
        return 2;
    }
    root = argv[1];

    // Journals.
    std::string const full = study_journal(3, false);
    put("journal_reader", "study.jsonl", full);
    put("journal_reader", "study_torn.jsonl", full.substr(0, full.size() - 40));
    put("journal_reader", "study_running.jsonl", study_journal(2, true));
    put("journal_reader", "study_maximize.jsonl", study_journal(2, false, storage::direction::maximize));
    put("journal_reader", "study_other_name.jsonl", study_journal(2, false, storage::direction::minimize, "other"));
    put("journal_reader", "optuna.jsonl", optuna_journal());
    std::string corrupt = study_journal(2, false);
    corrupt.insert(corrupt.find('\n') + 1, "{\"op_code\": 4, \"study_id\": 0, \"state\": 7}\n");
    put("journal_reader", "corrupt_line.jsonl", corrupt);
    put("journal_reader", "unknown_op.jsonl",
        R"({"op_code": 0, "worker_id": "w", "study_name": "htune", "directions": [1]})"
        "\n"
        R"({"op_code": 10, "worker_id": "w"})"
        "\n");
    put("journal_reader", "empty.jsonl", "");
    // Regressions (see tests/storage/test_journal.cpp): a start time in the year 1013 (found by the
    // fuzzer: it overflowed the nanosecond clock), integer fields out of range.
    std::string old_time = study_journal(1, false);
    auto const key = old_time.find("\"datetime_start\":\"");
    old_time.replace(key + 18, 4, "1013");
    put("journal_reader", "regression_datetime_year_1013.jsonl", old_time);
    put("journal_reader", "regression_op_code_1e300.jsonl",
        R"({"op_code": 0, "worker_id": "w", "study_name": "htune", "directions": [1e300]})"
        "\n"
        R"({"op_code": 1e300, "worker_id": "w"})"
        "\n");
    put("journal_reader", "regression_op_code_wraps.jsonl",
        R"({"op_code": 4294967296, "worker_id": "w", "study_name": "htune", "directions": [1]})"
        "\n"
        R"({"op_code": 4, "worker_id": "w", "study_id": 0, "state": -1e300})"
        "\n");

    // CSV: flags byte, then the text (see csv_loader.cpp).
    put("csv_loader", "header_last_label.csv", "\x01" "a,b,label\n1.5,-2,5\n0.25,1e3,2\n3,4,9\n-0.125,7.5,2\n");
    put("csv_loader", "label_by_name.csv", "\x03" "y,a,b\n0,1,2\n1,3,4\n0,5,6\n");
    put("csv_loader", "no_header_index.csv", "\x0c" "1,0,2\n3,1,4\n5,1,6\n");
    put("csv_loader", "task_regression.csv", "\x21" "x1,x2,t\n0.5,1,2.25\n-1,+2,-0.5\n3,4,1e-3\n");
    put("csv_loader", "quoted_crlf_bom.csv",
        "\x41" "\xEF\xBB\xBF" "\"a;1\";\"b\"\"q\n2\";y\r\n1;2;3\r\n\r\n  4 ; \"5\" ;6\r\n");
    put("csv_loader", "tab_double.csv", "\x91" "a\tb\ty\n1\t2\t0\n3\t4\t1\n");
    put("csv_loader", "space_regression.csv", "\xe0" "1 2 3\n4 5 6.5\n");
    put("csv_loader", "ragged.csv", "\x01" "a,b,y\n1,2,0\n3,4\n");
    put("csv_loader", "unclosed_quote.csv", "\x01" "a,b,y\n1,\"2,0\n");
    put("csv_loader", "not_finite.csv", "\x21" "a,b,y\n1,inf,0\n1e400,nan,1\n");
    put("csv_loader", "bad_label.csv", "\x01" "a,b,y\n1,2,0.5\n3,4,99999999999999999999\n");
    // Regression (see tests/data/test_csv.cpp), scaled down to 4 KiB: a wide header over many blank
    // lines reserved (lines x columns) values.
    put("csv_loader", "regression_wide_header_blank_lines.csv",
        "\x01" + [] {
            std::string t;
            for (int c = 0; c < 999; ++c) t += "a,";
            return t;
        }() + "y\n" + std::string(1500, '\n') + "1,2\n");

    // IDX: flags, image file length, image file, label file (see idx_loader.cpp).
    std::string const images = idx_images(0x08, 4, 3, 3, 1);
    std::string const labels = idx_labels(0x08, {0, 1, 2, 1}, 1);
    put("idx_loader", "u8.idx", idx_input(0, images, labels));
    put("idx_loader", "u8_gzip_by_harness.idx", idx_input(3, images, labels));
    put("idx_loader", "u8_gzip_files.idx", idx_input(0, gzip(images), gzip(labels)));
    put("idx_loader", "u8_limit2_double.idx", idx_input(0x24, images, labels));
    put("idx_loader", "i16_i32.idx", idx_input(0, idx_images(0x0B, 2, 3, 3, 2), idx_labels(0x0C, {3, 0}, 4)));
    put("idx_loader", "f32_i8.idx", idx_input(0, idx_images(0x0D, 2, 3, 3, 4), idx_labels(0x09, {1, 0}, 1)));
    put("idx_loader", "f64_i16.idx", idx_input(4, idx_images(0x0E, 1, 3, 3, 8), idx_labels(0x0B, {2}, 2)));
    put("idx_loader", "truncated.idx", idx_input(0, images.substr(0, images.size() - 5), labels));
    put("idx_loader", "count_mismatch.idx", idx_input(0, images, idx_labels(0x08, {0, 1, 2}, 1)));
    put("idx_loader", "swapped.idx", idx_input(0, labels, images));
    // Regression found by the fuzzer (see tests/data/test_idx.cpp): regression_gzip_huge_header.idx, a
    // gzip image file (compressed by the harness) whose header promises 4 images of 3407872 x 3.
    return 0;
}
