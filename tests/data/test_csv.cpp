#include <doctest/doctest.h>

#include <htune/data/csv.hpp>

#include <sstream>
#include <string>

#include "data_test_support.hpp"

using htune::data::csv_options;
using htune::data::csv_task;
using htune::data::load_csv;
using htune::test::contains;
using htune::test::temp_file;
using htune::test::thrown_message;

namespace {
template <class T>
htune::data::dataset<T> parse(std::string const& text, csv_options const& options = {}) {
    std::istringstream in(text);
    return load_csv<T>(in, "mem.csv", options);
}
} // namespace

TEST_CASE_TEMPLATE("load_csv reads features and maps integer labels to 0..k-1 in sorted order", T, float, double) {
    temp_file file("basic.csv");
    file.write("x,y,label\n"
               "1.5,-2,5\n"
               "0.25,1e3,2\n"
               "3,4,9\n"
               "-0.125,7.5,2\n");
    auto const d = load_csv<T>(file.path());
    REQUIRE(d.size() == 4);
    CHECK(d.feature_count() == 2);
    CHECK(d.sample_shape == htune::shape{2});
    CHECK(d.is_classification());
    CHECK(d.num_classes == 3);
    CHECK(d.features(0, 0) == T(1.5));
    CHECK(d.features(0, 1) == T(-2));
    CHECK(d.features(1, 1) == T(1000));
    CHECK(d.features(3, 0) == T(-0.125));
    CHECK(d.labels(0) == 1); // 5 is the second of {2, 5, 9}
    CHECK(d.labels(1) == 0);
    CHECK(d.labels(2) == 2);
    CHECK(d.labels(3) == 0);
    REQUIRE(d.class_names.size() == 3);
    CHECK(d.class_names[0] == "2");
    CHECK(d.class_names[1] == "5");
    CHECK(d.class_names[2] == "9");
    CHECK_NOTHROW(d.validate("basic.csv"));
}

TEST_CASE("negative and unsorted labels keep numeric order") {
    auto const d = parse<float>("a,l\n1,10\n2,-3\n3,2\n4,10\n");
    CHECK(d.num_classes == 3);
    CHECK(d.class_names == std::vector<std::string>{"-3", "2", "10"});
    CHECK(d.labels(0) == 2);
    CHECK(d.labels(1) == 0);
    CHECK(d.labels(2) == 1);
}

TEST_CASE_TEMPLATE("the label column can be chosen by name or index, or the file has no header", T, float, double) {
    std::string const text = "a,target,b\n1,0,2\n3,1,4\n";
    csv_options by_name;
    by_name.label_name = "target";
    auto const named = parse<T>(text, by_name);
    CHECK(named.feature_count() == 2);
    CHECK(named.features(0, 0) == T(1));
    CHECK(named.features(0, 1) == T(2));
    CHECK(named.features(1, 1) == T(4));
    CHECK(named.labels(1) == 1);

    csv_options by_index;
    by_index.label_index = 1;
    auto const indexed = parse<T>(text, by_index);
    CHECK((indexed.features == named.features));
    CHECK((indexed.labels == named.labels));

    csv_options no_header;
    no_header.header = false;
    no_header.label_index = 0;
    auto const raw = parse<T>("7,1,2\n3,3,4\n", no_header);
    CHECK(raw.size() == 2);
    CHECK(raw.features(0, 0) == T(1));
    CHECK(raw.class_names == std::vector<std::string>{"3", "7"});
}

TEST_CASE_TEMPLATE("regression turns the label column into a one-column target", T, float, double) {
    csv_options options;
    options.task = csv_task::regression;
    auto const d = parse<T>("x1,x2,y\n1,2,0.5\n3,4,-1.25\n5,6,1e-3\n", options);
    CHECK_FALSE(d.is_classification());
    CHECK(d.num_classes == 0);
    REQUIRE(d.targets.shape()[0] == 3);
    REQUIRE(d.targets.shape()[1] == 1);
    CHECK(d.targets(0, 0) == T(0.5));
    CHECK(d.targets(1, 0) == T(-1.25));
    CHECK(d.targets(2, 0) == T(1e-3));
    CHECK(d.features(2, 1) == T(6));
    CHECK(d.class_names.empty());
    CHECK_NOTHROW(d.validate());
}

TEST_CASE("quoted fields, blank lines, CRLF, spaces, a BOM, '+' and another delimiter") {
    csv_options options;
    options.label_name = "the \"class\"";
    auto const d = parse<double>("\xEF\xBB\xBF\"a,b\",\"the \"\"class\"\"\", c\r\n"
                                 "\r\n"
                                 "\"1.5\", 2 ,+3\r\n"
                                 "   \n"
                                 " 4 ,\"7\",\"-6\"\r\n"
                                 "\n",
                                 options);
    REQUIRE(d.size() == 2);
    CHECK(d.features(0, 0) == 1.5);
    CHECK(d.features(0, 1) == 3);
    CHECK(d.features(1, 0) == 4);
    CHECK(d.features(1, 1) == -6);
    CHECK(d.class_names == std::vector<std::string>{"2", "7"});

    csv_options semicolon;
    semicolon.delimiter = ';';
    semicolon.header = false;
    auto const s = parse<float>("1.5;2;0\n3;4;1", semicolon); // no final newline
    CHECK(s.size() == 2);
    CHECK(s.features(1, 1) == 4.0f);
    csv_options tab;
    tab.delimiter = '\t';
    auto const t = parse<float>("a\tb\tc\n1\t2\t0\n", tab);
    CHECK(t.features(0, 1) == 2.0f);
}

TEST_CASE("a quoted field may span lines; later line numbers stay right") {
    auto const message = thrown_message<htune::data_error>([] {
        parse<float>("a,b,c\n"
                     "\"x\ny\",1,0\n" // lines 2-3: a quoted newline, then "x\ny" is no number
                     "1,2,3\n");
    });
    CHECK(contains(message, "mem.csv:2: column 1 (\"a\"): cannot parse \"x\ny\" as a number"));
    auto const later = thrown_message<htune::data_error>([] { parse<float>("a,\"b\nc\",l\n\n1,zz,0\n"); });
    CHECK(contains(later, "mem.csv:4: column 2 (\"b\nc\"): cannot parse \"zz\""));
}

TEST_CASE("errors name the file, the line, the column and the text") {
    temp_file file("iris.csv");
    file.write("sepal_length,sepal_width,species\n"
               "5.1,3.5,0\n"
               "\n"
               "4.9,abc,1\n");
    auto const message = thrown_message<htune::data_error>([&] { load_csv<float>(file.path()); });
    CHECK(contains(message, "htune::data::load_csv: "));
    CHECK(contains(message, file.name() + ":4: column 2 (\"sepal_width\"): cannot parse \"abc\" as a number"));

    // Without a header the column has no name.
    csv_options no_header;
    no_header.header = false;
    auto const unnamed = thrown_message<htune::data_error>([&] { parse<float>("1,2,0\n1,,0\n", no_header); });
    CHECK(contains(unnamed, "mem.csv:2: column 2: cannot parse \"\" as a number"));
    auto const trailing = thrown_message<htune::data_error>([&] { parse<double>("a,b\n1.5x,0\n"); });
    CHECK(contains(trailing, "mem.csv:2: column 1 (\"a\"): cannot parse \"1.5x\""));
}

TEST_CASE("ragged rows are reported with their line and field counts") {
    temp_file file("ragged.csv");
    file.write("a,b,c,d,e\n1,2,3,4,0\n\n1,2,3,4,0\n1,2,3,4,0\n\n\n1,2,3,0\n");
    auto const message = thrown_message<htune::data_error>([&] { load_csv<double>(file.path()); });
    CHECK(contains(message, file.name() + ":8: line 8 has 4 fields, expected 5"));
    csv_options no_header;
    no_header.header = false;
    auto const longer = thrown_message<htune::data_error>([&] { parse<double>("1,2,0\n1,2,3,0\n", no_header); });
    CHECK(contains(longer, "mem.csv:2: line 2 has 4 fields, expected 3"));
}

TEST_CASE("an unknown label column lists the header names") {
    csv_options options;
    options.label_name = "specis";
    auto const message =
        thrown_message<htune::data_error>([&] { parse<float>("sepal_length,sepal_width,species\n1,2,0\n", options); });
    CHECK(contains(message, "mem.csv"));
    CHECK(contains(message, "\"specis\""));
    CHECK(contains(message, "\"sepal_length\", \"sepal_width\", \"species\""));

    csv_options out_of_range;
    out_of_range.label_index = 3;
    auto const index = thrown_message<htune::data_error>([&] { parse<float>("a,b,c\n1,2,0\n", out_of_range); });
    CHECK(contains(index, "label_index 3"));
    CHECK(contains(index, "3 columns"));
}

TEST_CASE_TEMPLATE("NaN and infinite values are rejected", T, float, double) {
    for (std::string const bad : {"nan", "NaN", "inf", "-inf", "infinity"}) {
        CAPTURE(bad);
        auto const message = thrown_message<htune::data_error>([&] { parse<T>("a,b,l\n1,2,0\n3," + bad + ",1\n"); });
        CHECK(contains(message, "mem.csv:3: column 2 (\"b\"): value \"" + bad + "\" is not finite"));
    }
    csv_options regression;
    regression.task = csv_task::regression;
    auto const target = thrown_message<htune::data_error>([&] { parse<T>("a,y\n1,nan\n", regression); });
    CHECK(contains(target, "mem.csv:2: column 2 (\"y\"): value \"nan\" is not finite"));
}

TEST_CASE("values out of the type's range are rejected") {
    auto const message = thrown_message<htune::data_error>([] { parse<float>("a,l\n1e60,0\n"); });
    CHECK(contains(message, "mem.csv:2: column 1 (\"a\"): \"1e60\" is out of range for float"));
    CHECK(parse<double>("a,l\n1e60,0\n").features(0, 0) == 1e60);
}

TEST_CASE("empty files and files without data rows") {
    temp_file empty("empty.csv");
    empty.write("");
    auto const message = thrown_message<htune::data_error>([&] { load_csv<float>(empty.path()); });
    CHECK(contains(message, empty.name() + ": the file is empty"));
    CHECK(
        contains(thrown_message<htune::data_error>([] { parse<float>("\n  \r\n\n"); }), "mem.csv: the file is empty"));

    temp_file header_only("header.csv");
    header_only.write("a,b,label\n\n");
    auto const rows = thrown_message<htune::data_error>([&] { load_csv<float>(header_only.path()); });
    CHECK(contains(rows, header_only.name() + ": no data rows"));

    auto const one_column = thrown_message<htune::data_error>([] { parse<float>("label\n1\n"); });
    CHECK(contains(one_column, "need at least 2"));
}

TEST_CASE("class labels must be integers") {
    auto const message = thrown_message<htune::data_error>([] { parse<float>("a,species\n1,0\n2,setosa\n"); });
    CHECK(contains(message, "mem.csv:3: column 2 (\"species\"): cannot parse \"setosa\" as an integer class label"));
    auto const real = thrown_message<htune::data_error>([] { parse<float>("a,species\n1,0.5\n"); });
    CHECK(contains(real, "\"0.5\""));
}

TEST_CASE("unterminated quotes and text after a closing quote") {
    auto const open = thrown_message<htune::data_error>([] { parse<float>("a,b\n1,\"0\n"); });
    CHECK(contains(open, "mem.csv:2: column 2: quoted field is not closed"));
    auto const after = thrown_message<htune::data_error>([] { parse<float>("a,b\n\"1\"x,0\n"); });
    CHECK(contains(after, "mem.csv:2: column 1: unexpected text after the closing quote"));
}

TEST_CASE("missing files and contradictory options") {
    auto const missing = std::filesystem::temp_directory_path() / "htune_no_such_file_7f3a.csv";
    auto const message = thrown_message<htune::data_error>([&] { load_csv<float>(missing); });
    CHECK(contains(message, "htune::data::load_csv: cannot open \"" + missing.string() + "\""));

    csv_options both;
    both.label_name = "l";
    both.label_index = 0;
    CHECK(contains(thrown_message<htune::invalid_argument>([&] { parse<float>("a,l\n1,0\n", both); }), "not both"));
    csv_options name_without_header;
    name_without_header.header = false;
    name_without_header.label_name = "l";
    CHECK(contains(thrown_message<htune::invalid_argument>([&] { parse<float>("1,0\n", name_without_header); }),
                   "needs header = true"));
}

TEST_CASE("a large file parses quickly and exactly") {
    std::string text = "a,b,c,d,label\n";
    std::size_t const n = 20000;
    for (std::size_t i = 0; i < n; ++i)
        text += std::to_string(i) + ",0.5," + std::to_string(i % 7) + ".25,-1e-3," + std::to_string(i % 3) + "\n";
    auto const d = parse<double>(text);
    REQUIRE(d.size() == n);
    CHECK(d.num_classes == 3);
    CHECK(d.features(n - 1, 0) == double(n - 1));
    CHECK(d.features(12, 2) == 5.25);
    CHECK(d.labels(n - 1) == int((n - 1) % 3));
}

// Found by review with fuzz/csv_loader.cpp (seed fuzz/corpus/csv_loader/regression_wide_header_blank_lines.csv
// is a small one of the same shape): the values were reserved for (line breaks + 1) x features, so
// an 80 KB file, a header of 20000 columns over 40000 blank lines, reserved 3.2 GB, and the file
// below 1.2 TB (std::bad_alloc; an AddressSanitizer abort). A row holds at least `features`
// delimiters, which bounds the rows.
TEST_CASE("a wide header over many blank lines does not reserve lines x columns values") {
    std::size_t const columns = 300000, blank_lines = 1000000;
    std::string text;
    for (std::size_t c = 0; c + 1 < columns; ++c) text += "a,";
    text += "label\n";
    text.append(blank_lines, '\n');
    for (std::size_t c = 0; c + 1 < columns; ++c) text += "1,";
    text += "4\n";
    auto const d = parse<float>(text);
    REQUIRE(d.size() == 1);
    CHECK(d.feature_count() == columns - 1);
    CHECK(d.features(0, columns - 2) == 1.0f);
    CHECK(d.class_names == std::vector<std::string>{"4"});
}
