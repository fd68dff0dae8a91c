#include <doctest/doctest.h>

#include <htune/data/idx.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifdef HTUNE_HAS_ZLIB
#include <zlib.h>
#endif

#include "data_test_support.hpp"

using htune::data::idx_options;
using htune::data::load_idx;
using htune::data::write_idx;
using htune::test::contains;
using htune::test::temp_file;
using htune::test::thrown_message;

namespace {

// 5 images of 3 x 4 pixels with distinct values, labels in 0..3.
struct small_set {
    static constexpr std::size_t count = 5, rows = 3, cols = 4;
    std::vector<std::uint8_t> pixels;
    std::vector<std::uint8_t> labels{0, 3, 1, 3, 2};
    small_set() {
        for (std::size_t i = 0; i < count * rows * cols; ++i) pixels.push_back(static_cast<std::uint8_t>(i * 4 + 3));
    }
};

std::string read_bytes(std::filesystem::path const& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string big_endian(std::initializer_list<std::uint32_t> words) {
    std::string s;
    for (auto w : words)
        for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((w >> shift) & 0xFF);
    return s;
}

#ifdef HTUNE_HAS_ZLIB
void write_gzip(std::filesystem::path const& p, std::string const& bytes) {
    gzFile gz = gzopen(p.c_str(), "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(gz) == Z_OK);
}
#endif

} // namespace

TEST_CASE_TEMPLATE("write_idx -> load_idx round-trips images and labels", T, float, double) {
    small_set const s;
    temp_file images("images.idx"), labels("labels.idx");
    write_idx(images.path(), labels.path(), s.pixels, s.labels, s.rows, s.cols);
    CHECK(read_bytes(images.path()).substr(0, 16) == big_endian({0x803, 5, 3, 4}));
    CHECK(read_bytes(labels.path()).size() == 8 + 5);

    auto const d = load_idx<T>(images.path(), labels.path());
    REQUIRE(d.size() == s.count);
    CHECK(d.feature_count() == s.rows * s.cols);
    CHECK(d.sample_shape == htune::shape{1, 3, 4});
    CHECK(d.num_classes == 4);
    for (std::size_t i = 0; i < s.count; ++i) {
        CHECK(d.labels(i) == s.labels[i]);
        for (std::size_t j = 0; j < s.rows * s.cols; ++j)
            CHECK(d.features(i, j) == static_cast<T>(s.pixels[i * s.rows * s.cols + j] / 255.0));
    }
    CHECK_NOTHROW(d.validate());

    idx_options options;
    options.scale = 1.0;
    options.limit = 2;
    auto const first = load_idx<T>(images.path(), labels.path(), options);
    REQUIRE(first.size() == 2);
    CHECK(first.features(1, 0) == T(s.pixels[12]));
    CHECK(first.labels(1) == 3);
    CHECK(first.num_classes == 4); // the largest label among the first two
    options.limit = 100;           // more than there are: all
    CHECK(load_idx<T>(images.path(), labels.path(), options).size() == 5);
}

TEST_CASE("other element types are decoded (big-endian)") {
    temp_file images("int16.idx"), floats("float32.idx"), labels("labels.idx");
    // 2 images of 1 x 2 int16 values: 1, -2, 300, -32768.
    std::string const i16 = big_endian({0x00000B03, 2, 1, 2}) + std::string("\x00\x01\xFF\xFE\x01\x2C\x80\x00", 8);
    images.write(i16);
    write_idx(labels.path(), std::vector<std::uint8_t>{1, 0}, {2});
    idx_options raw;
    raw.scale = 1.0;
    auto const d = load_idx<double>(images.path(), labels.path(), raw);
    CHECK(d.features(0, 0) == 1);
    CHECK(d.features(0, 1) == -2);
    CHECK(d.features(1, 0) == 300);
    CHECK(d.features(1, 1) == -32768);
    CHECK(d.num_classes == 2);

    // float32 0.5 is 0x3F000000, -2.25 is 0xC0100000.
    floats.write(big_endian({0x00000D03, 1, 1, 2, 0x3F000000, 0xC0100000}));
    write_idx(labels.path(), std::vector<std::uint8_t>{0}, {1});
    auto const f = load_idx<float>(floats.path(), labels.path(), raw);
    CHECK(f.features(0, 0) == 0.5f);
    CHECK(f.features(0, 1) == -2.25f);

    // Labels must be integers.
    temp_file float_labels("flabels.idx");
    float_labels.write(big_endian({0x00000D01, 1, 0}));
    auto const message =
        thrown_message<htune::data_error>([&] { load_idx<float>(floats.path(), float_labels.path()); });
    CHECK(contains(message, float_labels.name()));
    CHECK(contains(message, "labels must be integers, the element type is float32"));
}

TEST_CASE("gzip files are recognised by their magic bytes, not their name") {
    small_set const s;
    temp_file images("images.idx"), labels("labels.idx");
    write_idx(images.path(), labels.path(), s.pixels, s.labels, s.rows, s.cols);
    temp_file gz_images("images_compressed.bin"), gz_labels("labels.gz");
#ifdef HTUNE_HAS_ZLIB
    write_gzip(gz_images.path(), read_bytes(images.path()));
    write_gzip(gz_labels.path(), read_bytes(labels.path()));
    auto const plain = load_idx<float>(images.path(), labels.path());
    auto const packed = load_idx<float>(gz_images.path(), gz_labels.path());
    CHECK((packed.features == plain.features));
    CHECK((packed.labels == plain.labels));
    CHECK(packed.sample_shape == plain.sample_shape);
    // Mixed: compressed images, plain labels.
    CHECK((load_idx<float>(gz_images.path(), labels.path()).labels == plain.labels));

    // A compressed file cut short: the data ends early.
    std::string const full = read_bytes(images.path());
    temp_file cut("cut.gz");
    write_gzip(cut.path(), full.substr(0, full.size() - 7));
    auto const message = thrown_message<htune::data_error>([&] { load_idx<float>(cut.path(), labels.path()); });
    CHECK(contains(message, cut.name()));
    CHECK(contains(message, "expected 60 bytes of data, got 53"));
    // A gzip stream itself cut short.
    std::string const packed_bytes = read_bytes(gz_images.path());
    temp_file broken("broken.gz");
    broken.write(packed_bytes.substr(0, packed_bytes.size() / 2));
    auto const broken_message =
        thrown_message<htune::data_error>([&] { load_idx<float>(broken.path(), labels.path()); });
    CHECK(contains(broken_message, broken.name()));
#else
    gz_images.write(std::string("\x1f\x8b\x08\x00", 4) + "not really compressed");
    auto const message = thrown_message<htune::data_error>([&] { load_idx<float>(gz_images.path(), labels.path()); });
    CHECK(contains(message, gz_images.name()));
    CHECK(contains(message, "htune::zlib"));
    CHECK(contains(message, "gunzip"));
#endif
}

TEST_CASE("truncated files report the bytes expected and found") {
    small_set const s;
    temp_file images("images.idx"), labels("labels.idx");
    write_idx(images.path(), labels.path(), s.pixels, s.labels, s.rows, s.cols);
    std::filesystem::resize_file(images.path(), 16 + 50); // header + 50 of 60 pixels
    auto const message = thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); });
    CHECK(contains(message, "htune::data::load_idx: \"" + images.name() + "\" is truncated"));
    CHECK(contains(message, "expected 60 bytes of data, got 50"));
    // Only the first samples are read with a limit, so a cut tail does not matter then.
    CHECK(load_idx<float>(images.path(), labels.path(), {.limit = 4}).size() == 4);

    std::filesystem::resize_file(labels.path(), 8 + 3);
    write_idx(images.path(), s.pixels, {5, 3, 4});
    auto const short_labels = thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); });
    CHECK(contains(short_labels, labels.name()));
    CHECK(contains(short_labels, "expected 5 bytes of data, got 3"));

    std::filesystem::resize_file(images.path(), 10); // inside the sizes
    auto const header = thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); });
    CHECK(contains(header, "expected 12 bytes of dimension sizes, got 6"));
    images.write("");
    CHECK(contains(thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); }),
                   "expected a 4-byte magic number, got 0 bytes"));

    // A header that promises far more than the file holds fails before the tensor is allocated.
    write_idx(labels.path(), std::vector<std::uint8_t>(5), {5});
    images.write(big_endian({0x803, 5, 100000, 100000}));
    CHECK(contains(thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); }),
                   "expected 50000000000 bytes of data, got 0"));
    images.write(big_endian({0x803, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}));
    labels.write(big_endian({0x801, 0xFFFFFFFF}));
    CHECK(contains(thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); }),
                   "the sizes in the header overflow"));
}

#ifdef HTUNE_HAS_ZLIB
// Found by fuzz/idx_loader.cpp (seed fuzz/corpus/idx_loader/regression_gzip_huge_header.idx): a gzip file
// has no size to check a header against, so a 71-byte file promising 4 images of 3407872 x 3 pixels
// made load_idx allocate 48 GiB before reading (std::bad_alloc, or an AddressSanitizer abort). Deflate
// expands at most 1032:1, which bounds what a gzip file can hold.
TEST_CASE("a gzip header that promises more than the file can hold fails before allocating") {
    temp_file images("images.gz"), labels("labels.gz");
    write_gzip(images.path(), big_endian({0x803, 100000, 1000, 1000}) + std::string(64, '\1'));
    write_gzip(labels.path(), big_endian({0x801, 100000}) + std::string(64, '\1'));
    auto const message = thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); });
    CHECK(contains(message, "htune::data::load_idx: \"" + images.name() + "\" is truncated"));
    CHECK(contains(message, "expected 100000000000 bytes of data, more than a gzip file of"));
    // Compressed labels are bounded the same way (images plain and complete for 100000 1 x 1 images).
    temp_file plain("images.idx");
    write_idx(plain.path(), std::vector<std::uint8_t>(100000, 7), {100000, 1, 1});
    auto const label_message = thrown_message<htune::data_error>([&] { load_idx<float>(plain.path(), labels.path()); });
    CHECK(contains(label_message, labels.name() + "\" is truncated: expected 100000 bytes of data"));
    // A file that compresses well still loads: 20000 zero images of 28 x 28 (15.7 MB) from a few KB.
    write_gzip(images.path(), big_endian({0x803, 20000, 28, 28}) + std::string(20000 * 28 * 28, '\0'));
    write_gzip(labels.path(), big_endian({0x801, 20000}) + std::string(20000, '\2'));
    auto const d = load_idx<float>(images.path(), labels.path());
    CHECK(d.size() == 20000);
    CHECK(d.num_classes == 3);
}
#endif

TEST_CASE("wrong magic numbers, element types and dimension counts") {
    small_set const s;
    temp_file images("images.idx"), labels("labels.idx"), other("other.idx");
    write_idx(images.path(), labels.path(), s.pixels, s.labels, s.rows, s.cols);

    other.write(big_endian({0x12345678, 1, 2, 3}));
    auto const magic = thrown_message<htune::data_error>([&] { load_idx<float>(other.path(), labels.path()); });
    CHECK(contains(magic, other.name()));
    CHECK(contains(magic, "wrong magic number 0x12345678, expected 0x00000803"));

    other.write(big_endian({0x00000703, 1, 2, 3}));
    auto const type = thrown_message<htune::data_error>([&] { load_idx<float>(other.path(), labels.path()); });
    CHECK(contains(type, "unknown IDX element type 0x07 in magic number 0x00000703"));

    auto const swapped = thrown_message<htune::data_error>([&] { load_idx<float>(labels.path(), images.path()); });
    CHECK(contains(swapped, "wrong dimension count"));
    CHECK(contains(swapped, labels.name()));
    CHECK(contains(swapped, "swapped"));

    other.write(big_endian({0x00000802, 5, 12}));
    auto const two_d = thrown_message<htune::data_error>([&] { load_idx<float>(other.path(), labels.path()); });
    CHECK(contains(two_d, "wrong dimension count: magic number 0x00000802 gives 2, images need 3"));
}

TEST_CASE("image and label counts must agree") {
    small_set const s;
    temp_file images("images.idx"), labels("labels.idx");
    write_idx(images.path(), s.pixels, {5, 3, 4});
    write_idx(labels.path(), std::vector<std::uint8_t>{0, 1, 2, 3}, {4});
    auto const message = thrown_message<htune::data_error>([&] { load_idx<float>(images.path(), labels.path()); });
    CHECK(contains(message, "image count != label count"));
    CHECK(contains(message, images.name() + "\" has 5 images"));
    CHECK(contains(message, labels.name() + "\" has 4 labels"));
}

TEST_CASE("missing files and bad write_idx arguments") {
    small_set const s;
    temp_file labels("labels.idx");
    write_idx(labels.path(), s.labels, {5});
    auto const missing = std::filesystem::temp_directory_path() / "htune_no_such_images_91c2.idx";
    auto const message = thrown_message<htune::data_error>([&] { load_idx<float>(missing, labels.path()); });
    CHECK(contains(message, "htune::data::load_idx: cannot open \"" + missing.string() + "\""));

    CHECK(contains(thrown_message<htune::invalid_argument>([&] { write_idx(labels.path(), s.labels, {4}); }),
                   "5 values given, but the sizes hold 4"));
    CHECK(contains(thrown_message<htune::invalid_argument>(
                       [&] { write_idx(labels.path(), labels.path(), s.pixels, s.labels, 3, 3); }),
                   "60 pixels do not make 5 images of 3 x 3"));
}

TEST_CASE("the Fashion-MNIST files load fast with the expected shapes") {
    std::filesystem::path const dir = "/usr/share/datasets/fashion-mnist";
    auto const train_images = dir / "train-images-idx3-ubyte.gz";
    auto const train_labels = dir / "train-labels-idx1-ubyte.gz";
    auto const test_images = dir / "t10k-images-idx3-ubyte.gz";
    auto const test_labels = dir / "t10k-labels-idx1-ubyte.gz";
    for (auto const& p : {train_images, train_labels, test_images, test_labels}) {
        if (!std::filesystem::exists(p)) {
            MESSAGE("skipped: " << p.string() << " is not there");
            return;
        }
    }
#ifndef HTUNE_HAS_ZLIB
    MESSAGE("skipped: the Fashion-MNIST files are gzip-compressed and htune::zlib is not linked");
    return;
#else
    auto const start = std::chrono::steady_clock::now();
    auto const train = load_idx<float>(train_images, train_labels);
    double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("Fashion-MNIST train (60000 images) loaded in " << seconds << " s");
    auto const test = load_idx<float>(test_images, test_labels);
    CHECK(train.size() == 60000);
    CHECK(test.size() == 10000);
    for (auto const* d : {&train, &test}) {
        CHECK(d->sample_shape == htune::shape{1, 28, 28});
        CHECK(d->feature_count() == 784);
        CHECK(d->num_classes == 10);
        auto const [lo, hi] = std::minmax_element(d->features.begin(), d->features.end());
        CHECK(*lo == 0.0f);
        CHECK(*hi == 1.0f);
        std::vector<std::size_t> per_class(10);
        for (auto y : d->labels) ++per_class[static_cast<std::size_t>(y)];
        for (auto c : per_class) CHECK(c == d->size() / 10); // Fashion-MNIST is balanced
    }
#endif
}
