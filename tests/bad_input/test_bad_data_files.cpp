// Bad data files: CSV with ragged rows, non-numeric or non-finite fields, no rows; IDX files that
// are truncated, have a wrong magic number, disagree on the sample count or hold negative labels.
// Every error is an htune::data_error (htune::invalid_argument for contradictory options) whose
// message names the file, and for CSV the line and the column.

#include <doctest/doctest.h>

#include <htune/data/csv.hpp>
#include <htune/data/idx.hpp>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "bad_input_support.hpp"

#ifdef HTUNE_HAS_ZLIB
#include <zlib.h>
#endif

using htune::data_error;
using htune::invalid_argument;
using htune::data::csv_options;
using htune::data::load_csv;
using htune::data::load_idx;
using htune::test::expect_throw;
using htune::test::temp_dir;

namespace {
std::string big_endian(std::initializer_list<std::uint32_t> words) {
    std::string s;
    for (auto w : words)
        for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((w >> shift) & 0xFF);
    return s;
}

std::string bytes(std::size_t n, unsigned char value) {
    return std::string(n, static_cast<char>(value));
}

// A valid pair: `count` images of 2 x 3 pixels and their labels (0, 1, 2, 0, ...).
struct idx_pair {
    std::filesystem::path images, labels;
};
idx_pair write_pair(temp_dir const& dir, std::uint32_t count) {
    std::string labels = big_endian({0x801, count});
    for (std::uint32_t i = 0; i < count; ++i) labels += static_cast<char>(i % 3);
    return {dir.write("images.idx", big_endian({0x803, count, 2, 3}) + bytes(count * 6, 0x7F)),
            dir.write("labels.idx", labels)};
}

#ifdef HTUNE_HAS_ZLIB
std::filesystem::path write_gzip(temp_dir const& dir, char const* name, std::string const& content) {
    auto const p = dir / name;
    gzFile gz = gzopen(p.c_str(), "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
    REQUIRE(gzclose(gz) == Z_OK);
    return p;
}
#endif
} // namespace

TEST_CASE("bad CSV: a ragged row names the file, the line and both field counts") {
    temp_dir dir;
    auto const file = dir.write("iris.csv", "sepal_length,sepal_width,petal_length,species\n"
                                            "5.1,3.5,1.4,0\n"
                                            "4.9,3.0,1\n"
                                            "4.7,3.2,1.3,0\n");
    expect_throw<data_error>([&] { (void)load_csv<float>(file); },
                             {"htune::data::load_csv: ", file.string() + ":3: line 3 has 3 fields, expected 4"});
    // A row with one field too many, after a header name spanning two lines: lines are counted in the file.
    auto const longer = dir.write("notes.csv", "a,\"b\n(two lines)\",label\n1,2,0\n3,4,1,9\n");
    expect_throw<data_error>([&] { (void)load_csv<float>(longer); },
                             {longer.string() + ":4: line 4 has 4 fields, expected 3"});
}

TEST_CASE("bad CSV: a non-numeric field names the column by index and header name") {
    temp_dir dir;
    auto const file = dir.write("houses.csv", "rooms,area,price\n3,120.5,1\n4,large,0\n");
    expect_throw<data_error>([&] { (void)load_csv<double>(file); },
                             {file.string() + ":3: column 2 (\"area\"): cannot parse \"large\" as a number"});
}

TEST_CASE("bad CSV: a non-integer class label suggests regression") {
    std::istringstream in("x,y,label\n1,2,0\n3,4,cat\n");
    expect_throw<data_error>(
        [&] { (void)load_csv<float>(in, "pets.csv"); },
        {"pets.csv:3: column 3 (\"label\"): cannot parse \"cat\" as an integer class label", "csv_task::regression"});
}

TEST_CASE("bad CSV: NaN and infinity in the text are refused where they are") {
    std::istringstream nan_in("x,y,label\n1,nan,0\n");
    expect_throw<data_error>([&] { (void)load_csv<float>(nan_in, "a.csv"); },
                             {"a.csv:2: column 2 (\"y\"): value \"nan\" is not finite"});
    std::istringstream inf_in("1,2,0\n-inf,2,1\n");
    csv_options no_header;
    no_header.header = false;
    expect_throw<data_error>([&] { (void)load_csv<double>(inf_in, "b.csv", no_header); },
                             {"b.csv:2: column 1: value \"-inf\" is not finite"});
}

TEST_CASE("bad CSV: empty files, a header without rows, a single column") {
    temp_dir dir;
    auto const empty = dir.write("empty.csv", "");
    expect_throw<data_error>([&] { (void)load_csv<float>(empty); }, {empty.string() + ": the file is empty"});
    auto const header_only = dir.write("header.csv", "a,b,label\n\n\n");
    expect_throw<data_error>([&] { (void)load_csv<float>(header_only); },
                             {header_only.string() + ": no data rows after the header"});
    auto const single = dir.write("single.csv", "label\n1\n2\n");
    expect_throw<data_error>([&] { (void)load_csv<float>(single); },
                             {single.string(), "found 1 column, need at least 2"});
}

TEST_CASE("bad CSV: unclosed quotes, a missing file, a directory, contradictory options") {
    temp_dir dir;
    auto const open_quote = dir.write("quote.csv", "a,b\n1,0\n\"2,1\n");
    expect_throw<data_error>(
        [&] { (void)load_csv<float>(open_quote); },
        {open_quote.string() + ":3: column 1: quoted field is not closed before the end of the file"});
    auto const missing = dir / "no_such.csv";
    expect_throw<data_error>([&] { (void)load_csv<float>(missing); }, {"cannot open \"" + missing.string() + "\""});
    expect_throw<data_error>([&] { (void)load_csv<float>(dir.path); }, {dir.path.string()});
    csv_options both;
    both.label_name = "y";
    both.label_index = 0;
    auto const good = dir.write("good.csv", "x,y\n1,0\n");
    expect_throw<invalid_argument>([&] { (void)load_csv<float>(good, both); },
                                   {good.string(), "set csv_options::label_name (\"y\") or label_index (0), not both"});
}

TEST_CASE("bad IDX: a truncated image file gives the bytes expected and found") {
    temp_dir dir;
    auto const pair = write_pair(dir, 4);
    std::filesystem::resize_file(pair.images, 16 + 20); // 24 pixels expected
    expect_throw<data_error>(
        [&] { (void)load_idx<float>(pair.images, pair.labels); },
        {"htune::data::load_idx: \"" + pair.images.string() + "\" is truncated", "expected 24 bytes of data, got 20"});
}

TEST_CASE("bad IDX: truncated inside the header, and truncated labels") {
    temp_dir dir;
    auto const pair = write_pair(dir, 4);
    auto const stub = dir.write("stub.idx", std::string("\x00\x00", 2));
    expect_throw<data_error>([&] { (void)load_idx<float>(stub, pair.labels); },
                             {stub.string(), "expected a 4-byte magic number, got 2 bytes"});
    auto const sizes = dir.write("sizes.idx", big_endian({0x803, 4}));
    expect_throw<data_error>([&] { (void)load_idx<float>(sizes, pair.labels); },
                             {sizes.string(), "expected 12 bytes of dimension sizes, got 4"});
    std::filesystem::resize_file(pair.labels, 8 + 1);
    expect_throw<data_error>([&] { (void)load_idx<float>(pair.images, pair.labels); },
                             {pair.labels.string() + "\" is truncated", "expected 4 bytes of data, got 1"});
}

TEST_CASE("bad IDX: a file with the wrong magic number") {
    temp_dir dir;
    auto const pair = write_pair(dir, 3);
    auto const png = dir.write("picture.png", std::string("\x89PNG\r\n\x1a\n", 8) + bytes(32, 0));
    expect_throw<data_error>([&] { (void)load_idx<float>(png, pair.labels); },
                             {png.string(), "is not an IDX file: wrong magic number 0x89504E47",
                              "expected 0x00000803 (uint8 images, 3 dimensions)"});
    auto const text = dir.write("labels.txt", "0\n1\n2\n");
    expect_throw<data_error>([&] { (void)load_idx<float>(pair.images, text); },
                             {text.string(), "is not an IDX file", "expected 0x00000801 (uint8 labels, 1 dimension)"});
}

TEST_CASE("bad IDX: images and labels swapped, and unknown element types") {
    temp_dir dir;
    auto const pair = write_pair(dir, 3);
    expect_throw<data_error>(
        [&] { (void)load_idx<float>(pair.labels, pair.images); },
        {pair.labels.string(), "wrong dimension count", "images need 3", "(images and labels swapped?)"});
    auto const odd = dir.write("odd.idx", big_endian({0x00000A03, 3, 2, 3}) + bytes(18, 1));
    expect_throw<data_error>([&] { (void)load_idx<float>(odd, pair.labels); },
                             {odd.string(), "unknown IDX element type 0x0A in magic number 0x00000A03"});
}

TEST_CASE("bad IDX: image and label counts disagree") {
    temp_dir dir;
    auto const pair = write_pair(dir, 5);
    auto const fewer = dir.write("fewer.idx", big_endian({0x801, 4}) + bytes(4, 1));
    expect_throw<data_error>(
        [&] { (void)load_idx<float>(pair.images, fewer); },
        {"image count != label count", pair.images.string() + "\" has 5 images", fewer.string() + "\" has 4 labels"});
}

TEST_CASE("bad IDX: negative labels, real-valued labels, images without pixels") {
    temp_dir dir;
    auto const pair = write_pair(dir, 3);
    // int8 labels: 1, -3, 0.
    auto const negative = dir.write("negative.idx", big_endian({0x00000901, 3}) + std::string("\x01\xFD\x00", 3));
    expect_throw<data_error>([&] { (void)load_idx<float>(pair.images, negative); },
                             {negative.string(), "label 1 is -3, labels must be >= 0"});
    auto const real = dir.write("real.idx", big_endian({0x00000E01, 3}) + bytes(24, 0));
    expect_throw<data_error>([&] { (void)load_idx<double>(pair.images, real); },
                             {real.string(), "labels must be integers, the element type is float64"});
    auto const flat = dir.write("flat.idx", big_endian({0x803, 3, 0, 28}));
    expect_throw<data_error>([&] { (void)load_idx<float>(flat, pair.labels); },
                             {flat.string(), "holds no pixels: its sizes are 3 x 0 x 28"});
}

TEST_CASE("bad IDX: a missing file and a directory") {
    temp_dir dir;
    auto const pair = write_pair(dir, 2);
    auto const missing = dir / "train-images-idx3-ubyte";
    expect_throw<data_error>([&] { (void)load_idx<float>(missing, pair.labels); },
                             {"cannot open \"" + missing.string() + "\"", "No such file"});
    expect_throw<data_error>([&] { (void)load_idx<float>(pair.images, dir.path); }, {dir.path.string()});
}

#ifdef HTUNE_HAS_ZLIB
TEST_CASE("bad IDX: a gzip file cut short names the file") {
    temp_dir dir;
    auto const pair = write_pair(dir, 4);
    std::string const images = big_endian({0x803, 4, 2, 3}) + bytes(24, 0x40);
    auto const packed = write_gzip(dir, "images.gz", images.substr(0, images.size() - 5));
    expect_throw<data_error>([&] { (void)load_idx<float>(packed, pair.labels); },
                             {packed.string() + "\" is truncated", "expected 24 bytes of data, got 19"});
}

// A small gzip file whose header claims huge sizes (100000 images of 1000 x 1000) is refused as
// truncated before the 4e11-byte feature tensor is allocated (deflate expands at most 1032 times).
TEST_CASE("bad IDX: a gzip header promising more data than the file holds") {
    temp_dir dir;
    auto const images = write_gzip(dir, "images.gz", big_endian({0x803, 100000, 1000, 1000}) + bytes(64, 1));
    auto const labels = write_gzip(dir, "labels.gz", big_endian({0x801, 100000}) + bytes(64, 1));
    expect_throw<data_error>(
        [&] { (void)load_idx<float>(images, labels); },
        {images.string() + "\" is truncated", "expected 100000000000 bytes of data", "more than a gzip file of"});
}
#endif
