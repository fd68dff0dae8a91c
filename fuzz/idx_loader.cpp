// libFuzzer harness: the input is a pair of IDX files (data/idx.hpp), an image file and a label file,
// written to scratch files and read by data::load_idx (both the images and the labels reader).
//   byte 0      flags: bit 0 gzip the image file, bit 1 gzip the label file (the harness compresses
//               them, so that the gzip path sees meaningful data; an input that is gzip already is
//               read through zlib too), bit 2 double instead of float, bits 4-7 idx_options::limit
//   bytes 1-2   the length of the image file (big-endian; the rest is the label file)
//   bytes 3-    the image file, then the label file
// A data_error is the expected answer to a bad file; anything else is a bug. A loaded data set is
// checked for consistency.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include <htune/data/idx.hpp>

#include "fuzz_support.hpp"

namespace {

using namespace htune;

fuzz::scratch_dir& scratch() {
    static fuzz::scratch_dir dir("htune-fuzz-idx");
    return dir;
}

void write_input(std::filesystem::path const& path, std::uint8_t const* data, std::size_t size, bool gzip) {
#ifdef HTUNE_HAS_ZLIB
    if (gzip) {
        gzFile gz = gzopen(path.c_str(), "wb1");
        if (!gz || (size && gzwrite(gz, data, static_cast<unsigned>(size)) != static_cast<int>(size)) ||
            gzclose(gz) != Z_OK) {
            std::fprintf(stderr, "htune fuzz: cannot write the gzip input file\n");
            std::abort();
        }
        return;
    }
#else
    (void)gzip;
#endif
    fuzz::write_file(path, data, size);
}

template <class T>
void load(std::filesystem::path const& images, std::filesystem::path const& labels, std::size_t limit) {
    data::idx_options o;
    o.limit = limit;
    auto const d = data::load_idx<T>(images, labels, o);
    std::size_t const n = d.features.shape()[0];
    if (n == 0) fuzz::invariant_failed("no samples, yet no error");
    if (limit && n > limit) fuzz::invariant_failed("more samples than the limit");
    if (d.sample_shape.rank != 3 || d.sample_shape.size() != d.features.shape()[1])
        fuzz::invariant_failed("sample_shape is not 1 x rows x cols of the features");
    if (d.labels.size() != n) fuzz::invariant_failed("labels.size() != samples");
    for (auto const y : d.labels)
        if (y < 0 || static_cast<std::size_t>(y) >= d.num_classes) fuzz::invariant_failed("a label out of range");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size < 3) return 0;
    unsigned const flags = data[0];
    std::size_t const payload = size - 3;
    std::size_t const split = std::min<std::size_t>(payload, std::size_t{data[1]} << 8 | data[2]);
    std::uint8_t const* const first = data + 3;

    auto const images = scratch() / "images-idx3-ubyte";
    auto const labels = scratch() / "labels-idx1-ubyte";
    write_input(images, first, split, (flags & 1u) != 0);
    write_input(labels, first + split, payload - split, (flags & 2u) != 0);
    std::size_t const limit = flags >> 4;
    fuzz::expect_htune_errors_only([&] {
        if (flags & 4u) load<double>(images, labels, limit);
        else load<float>(images, labels, limit);
    });
    return 0;
}
