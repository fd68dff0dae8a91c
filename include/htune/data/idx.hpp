#pragma once
// IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic number 0x0000TTDD (TT the
// element type, DD the number of dimensions), DD big-endian uint32 sizes, then the elements.
//
// Files may be plain or gzip-compressed; gzip is recognised by its magic bytes (1f 8b), not by
// the file name, and read through zlib when htune is linked to htune::zlib (HTUNE_HAS_ZLIB).
// Data is read in large chunks and converted as it arrives, so no second copy of the file is held.
// Sizes in a header are checked against what the file can hold before anything is allocated: the
// file's size for a plain file, 1032 times it (deflate's largest expansion) for a gzip file.

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#ifdef HTUNE_HAS_ZLIB
#include <zlib.h>
#endif

#include "../core/errors.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"

namespace htune::data {

struct idx_options {
    double scale = 1.0 / 255; // every pixel value is multiplied by it (bytes to [0, 1])
    std::size_t limit = 0;    // 0: all samples; else only the first `limit`
};

namespace detail::idx {

using ::htune::detail::throw_error;

inline constexpr char const* component = "htune::data::load_idx: ";

// Element types, the third byte of the magic number.
enum element : unsigned char { u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E };

inline std::size_t element_size(unsigned type) noexcept {
    switch (type) {
        case u8:
        case i8: return 1;
        case i16: return 2;
        case i32:
        case f32: return 4;
        case f64: return 8;
        default: return 0;
    }
}

inline char const* element_name(unsigned type) noexcept {
    switch (type) {
        case u8: return "uint8";
        case i8: return "int8";
        case i16: return "int16";
        case i32: return "int32";
        case f32: return "float32";
        case f64: return "float64";
        default: return "unknown";
    }
}

inline std::string hex(std::uint32_t v, int digits = 8) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*X", digits, static_cast<unsigned>(v));
    return buf;
}

inline std::uint32_t big_endian32(unsigned char const* p) noexcept {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

// A plain or gzip file read sequentially; closes itself.
class reader {
public:
    explicit reader(std::filesystem::path const& file) : m_name(file.string()) {
        m_file = std::fopen(file.c_str(), "rb");
        if (!m_file)
            throw_error<data_error>(component, "cannot open \"", m_name,
                                    "\": ", std::generic_category().message(errno));
        unsigned char magic[2] = {0, 0};
        std::size_t const got = std::fread(magic, 1, 2, m_file);
        bool const gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        if (!gzip) {
            std::rewind(m_file);
            std::error_code ec;
            auto const size = std::filesystem::file_size(file, ec);
            if (!ec) m_plain_size = static_cast<std::size_t>(size);
            return;
        }
        std::fclose(m_file);
        m_file = nullptr;
#ifdef HTUNE_HAS_ZLIB
        std::error_code ec;
        auto const size = std::filesystem::file_size(file, ec);
        if (!ec) m_gzip_size = static_cast<std::size_t>(size);
        m_gz = gzopen(file.c_str(), "rb");
        if (!m_gz)
            throw_error<data_error>(component, "cannot open \"", m_name,
                                    "\" through zlib: ", std::generic_category().message(errno));
        gzbuffer(m_gz, 1u << 18); // fewer, larger reads from the file
#else
        throw_error<data_error>(component, "\"", m_name,
                                "\" is gzip-compressed, but htune was built without zlib: link the CMake "
                                "target htune::zlib (which defines HTUNE_HAS_ZLIB) or gunzip the file");
#endif
    }
    reader(reader const&) = delete;
    reader& operator=(reader const&) = delete;
    ~reader() {
        if (m_file) std::fclose(m_file);
#ifdef HTUNE_HAS_ZLIB
        if (m_gz) gzclose(m_gz);
#endif
    }

    // Reads up to `size` bytes; fewer only at the end of the data.
    std::size_t read(void* buffer, std::size_t size) {
        auto* out = static_cast<unsigned char*>(buffer);
#ifdef HTUNE_HAS_ZLIB
        if (m_gz) {
            std::size_t done = 0;
            while (done < size) {
                // gzread takes an unsigned and returns an int: read at most 1 GiB per call.
                auto const want = static_cast<unsigned>(std::min<std::size_t>(size - done, std::size_t{1} << 30));
                int const got = gzread(m_gz, out + done, want);
                if (got < 0) {
                    int code = 0;
                    throw_error<data_error>(component, "\"", m_name, "\": gzip error: ", gzerror(m_gz, &code));
                }
                if (got == 0) break;
                done += static_cast<std::size_t>(got);
            }
            m_consumed += done;
            return done;
        }
#endif
        std::size_t const got = std::fread(out, 1, size, m_file);
        if (got < size && std::ferror(m_file))
            throw_error<data_error>(component, "cannot read \"", m_name,
                                    "\": ", std::generic_category().message(errno));
        m_consumed += got;
        return got;
    }

    // Bytes left in a plain file (unknown for gzip), to report truncation before allocating.
    std::optional<std::size_t> bytes_left() const noexcept {
        if (!m_plain_size) return std::nullopt;
        return *m_plain_size > m_consumed ? *m_plain_size - m_consumed : 0;
    }

    // Deflate expands at most 1032:1 (a 258-byte match from 2 bits), so a gzip file of n bytes holds
    // at most 1032 n bytes of data (zlib ignores anything after the last gzip member).
    static constexpr std::size_t max_gzip_ratio = 1032;

    // The size of a gzip file (unknown for a plain one), and the most bytes its data can still hold:
    // a header promising more is refused before anything that large is allocated.
    std::optional<std::size_t> gzip_size() const noexcept { return m_gzip_size; }
    std::optional<std::size_t> gzip_bytes_left_at_most() const noexcept {
        if (!m_gzip_size || *m_gzip_size > std::numeric_limits<std::size_t>::max() / max_gzip_ratio)
            return std::nullopt;
        std::size_t const most = *m_gzip_size * max_gzip_ratio;
        return most > m_consumed ? most - m_consumed : 0;
    }

    std::string const& name() const noexcept { return m_name; }

private:
    std::string m_name;
    std::FILE* m_file = nullptr;
    std::optional<std::size_t> m_plain_size;
    std::optional<std::size_t> m_gzip_size;
    std::size_t m_consumed = 0;
#ifdef HTUNE_HAS_ZLIB
    gzFile m_gz = nullptr;
#endif
};

struct header {
    unsigned type = 0;
    std::vector<std::size_t> dims;
};

// Reads and checks the magic number and the sizes. `what` is "images" or "labels".
inline header read_header(reader& in, std::size_t expected_dims, char const* what) {
    unsigned char magic[4];
    std::size_t const got = in.read(magic, 4);
    HTUNE_CHECK_AS(data_error, got == 4, component, "\"", in.name(),
                   "\" is truncated: expected a 4-byte magic number, got ", got, " bytes");
    std::uint32_t const m = big_endian32(magic);
    std::uint32_t const expected_magic = (std::uint32_t{u8} << 8) | static_cast<std::uint32_t>(expected_dims);
    std::string const expected = hex(expected_magic) + " (uint8 " + what + ", " + std::to_string(expected_dims) +
                                 (expected_dims == 1 ? " dimension)" : " dimensions)");
    if (magic[0] != 0 || magic[1] != 0)
        throw_error<data_error>(component, "\"", in.name(), "\" is not an IDX file: wrong magic number ", hex(m),
                                ", expected ", expected);
    header h;
    h.type = magic[2];
    if (element_size(h.type) == 0)
        throw_error<data_error>(component, "\"", in.name(), "\": unknown IDX element type ", hex(h.type, 2),
                                " in magic number ", hex(m), " (known: 0x08 uint8, 0x09 int8, 0x0B int16, ",
                                "0x0C int32, 0x0D float32, 0x0E float64)");
    if (magic[3] != expected_dims)
        throw_error<data_error>(component, "\"", in.name(), "\": wrong dimension count: magic number ", hex(m),
                                " gives ", unsigned{magic[3]}, ", ", what, " need ", expected_dims,
                                expected_dims == 1 ? " (count)" : " (count x rows x cols)", "; expected magic ",
                                expected, magic[3] == 1 || magic[3] == 3 ? " (images and labels swapped?)" : "");
    unsigned char sizes[4 * 3];
    std::size_t const got_sizes = in.read(sizes, 4 * expected_dims);
    HTUNE_CHECK_AS(data_error, got_sizes == 4 * expected_dims, component, "\"", in.name(), "\" is truncated: expected ",
                   4 * expected_dims, " bytes of dimension sizes, got ", got_sizes);
    for (std::size_t d = 0; d < expected_dims; ++d) h.dims.push_back(big_endian32(sizes + 4 * d));
    return h;
}

// Element i of a big-endian buffer of `type`, as a double.
inline double element_at(unsigned char const* p, unsigned type) noexcept {
    switch (type) {
        case u8: return p[0];
        case i8: return static_cast<std::int8_t>(p[0]);
        case i16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(p[0] << 8 | p[1]));
        case i32: return static_cast<std::int32_t>(big_endian32(p));
        case f32: return std::bit_cast<float>(big_endian32(p));
        case f64: {
            std::uint64_t const hi = big_endian32(p), lo = big_endian32(p + 4);
            return std::bit_cast<double>(hi << 32 | lo);
        }
        default: return 0;
    }
}

[[noreturn]] inline void truncated(reader const& in, std::size_t expected, std::size_t got) {
    throw_error<data_error>(component, "\"", in.name(), "\" is truncated: expected ", expected, " bytes of data, got ",
                            got);
}

// The bytes of `count` elements, checked against overflow (a corrupt header) and, for a plain
// file, against what the file holds.
inline std::size_t data_bytes(reader const& in, header const& h, std::size_t count) {
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    std::size_t total = element_size(h.type);
    auto const multiply = [&](std::size_t d) {
        if (d && total > max / d)
            throw_error<data_error>(component, "\"", in.name(), "\": the sizes in the header overflow");
        total *= d;
    };
    for (std::size_t i = 1; i < h.dims.size(); ++i) multiply(h.dims[i]);
    multiply(count);
    if (auto const left = in.bytes_left(); left && *left < total) truncated(in, total, *left);
    if (auto const most = in.gzip_bytes_left_at_most(); most && *most < total)
        throw_error<data_error>(component, "\"", in.name(), "\" is truncated: expected ", total,
                                " bytes of data, more than a gzip file of ", *in.gzip_size(),
                                " bytes can hold (deflate expands at most ", reader::max_gzip_ratio, " times)");
    return total;
}

// Reads `count` elements of `type` and hands each chunk, converted, to sink(first, values, n).
template <class Sink>
void read_elements(reader& in, unsigned type, std::size_t count, Sink&& sink) {
    std::size_t const size = element_size(type);
    std::size_t const total = count * size;
    constexpr std::size_t chunk = std::size_t{1} << 20; // a multiple of every element size
    std::vector<unsigned char> buffer(std::min(total, chunk));
    std::size_t done = 0;
    while (done < total) {
        std::size_t const want = std::min(total - done, chunk);
        std::size_t const got = in.read(buffer.data(), want);
        if (got < want) truncated(in, total, done + got);
        sink(done / size, buffer.data(), want / size);
        done += want;
    }
}

} // namespace detail::idx

// Loads an IDX image file (n x rows x cols) and its label file (n). The result has features
// n x (rows * cols) scaled by options.scale, sample_shape {1, rows, cols} (one channel, NCHW),
// int32 labels and num_classes = largest label + 1.
template <class T = float>
dataset<T> load_idx(std::filesystem::path const& images, std::filesystem::path const& labels,
                    idx_options const& options = {}) {
    static_assert(std::is_floating_point_v<T>, "htune::data::load_idx: T must be a floating-point type");
    using namespace detail::idx;
    reader image_in(images);
    reader label_in(labels);
    header const ih = read_header(image_in, 3, "images");
    header const lh = read_header(label_in, 1, "labels");
    HTUNE_CHECK_AS(data_error, lh.type != f32 && lh.type != f64, component, "\"", label_in.name(),
                   "\": labels must be integers, the element type is ", element_name(lh.type));
    HTUNE_CHECK_AS(data_error, ih.dims[0] == lh.dims[0], component, "image count != label count: \"", image_in.name(),
                   "\" has ", ih.dims[0], " images, \"", label_in.name(), "\" has ", lh.dims[0], " labels");
    HTUNE_CHECK_AS(data_error, ih.dims[0] > 0 && ih.dims[1] > 0 && ih.dims[2] > 0, component, "\"", image_in.name(),
                   "\" holds no pixels: its sizes are ", ih.dims[0], " x ", ih.dims[1], " x ", ih.dims[2]);
    std::size_t const n = options.limit ? std::min(options.limit, ih.dims[0]) : ih.dims[0];
    std::size_t const pixels = ih.dims[1] * ih.dims[2]; // < 2^64: each is < 2^32
    data_bytes(image_in, ih, n);
    data_bytes(label_in, lh, n);

    dataset<T> out;
    out.features = tensor<T, 2>(std::array<std::size_t, 2>{n, pixels});
    out.sample_shape = htune::shape{1, ih.dims[1], ih.dims[2]};
    T* const features = out.features.data();
    double const scale = options.scale;
    if (ih.type == u8) {
        // The common case: a table of the 256 scaled values, rounded once from double, so a float
        // result equals the double computation (255 / 255 is exactly 1).
        std::array<T, 256> table;
        for (std::size_t v = 0; v < 256; ++v) table[v] = static_cast<T>(static_cast<double>(v) * scale);
        read_elements(image_in, ih.type, n * pixels, [&](std::size_t first, unsigned char const* p, std::size_t k) {
            T* const dst = features + first;
            for (std::size_t i = 0; i < k; ++i) dst[i] = table[p[i]];
        });
    } else {
        std::size_t const size = element_size(ih.type);
        unsigned const type = ih.type;
        read_elements(image_in, type, n * pixels, [&](std::size_t first, unsigned char const* p, std::size_t k) {
            for (std::size_t i = 0; i < k; ++i)
                features[first + i] = static_cast<T>(element_at(p + i * size, type) * scale);
        });
    }

    out.labels = tensor<std::int32_t, 1>(std::array<std::size_t, 1>{n});
    std::int32_t* const y = out.labels.data();
    std::size_t const label_size = element_size(lh.type);
    unsigned const label_type = lh.type;
    read_elements(label_in, label_type, n, [&](std::size_t first, unsigned char const* p, std::size_t k) {
        for (std::size_t i = 0; i < k; ++i) {
            auto const v = static_cast<std::int64_t>(element_at(p + i * label_size, label_type));
            if (v < 0)
                throw_error<data_error>(component, "\"", label_in.name(), "\": label ", first + i, " is ", v,
                                        ", labels must be >= 0");
            y[first + i] = static_cast<std::int32_t>(v);
        }
    });
    out.num_classes = static_cast<std::size_t>(*std::max_element(y, y + n)) + 1;
    return out;
}

// Writes a plain (uncompressed) uint8 IDX file with the given sizes (1 dimension for labels,
// 3 for images); values.size() must be their product. Mainly for tests and small exports.
inline void write_idx(std::filesystem::path const& file, std::span<std::uint8_t const> values,
                      std::span<std::size_t const> dims) {
    constexpr char const* component = "htune::data::write_idx: ";
    HTUNE_CHECK(!dims.empty() && dims.size() <= 255, component, "\"", file.string(), "\": dims has ", dims.size(),
                " entries, must be 1 to 255");
    std::size_t count = 1;
    for (auto const d : dims) {
        HTUNE_CHECK(d <= std::numeric_limits<std::uint32_t>::max(), component, "\"", file.string(), "\": size ", d,
                    " does not fit in 32 bits");
        count *= d;
    }
    HTUNE_CHECK(values.size() == count, component, "\"", file.string(), "\": ", values.size(),
                " values given, but the sizes hold ", count);
    std::vector<unsigned char> head;
    auto const put32 = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) head.push_back(static_cast<unsigned char>(v >> shift));
    };
    put32(std::uint32_t{detail::idx::u8} << 8 | static_cast<std::uint32_t>(dims.size()));
    for (auto const d : dims) put32(static_cast<std::uint32_t>(d));
    std::FILE* f = std::fopen(file.c_str(), "wb");
    if (!f)
        detail::idx::throw_error<data_error>(component, "cannot open \"", file.string(),
                                             "\" for writing: ", std::generic_category().message(errno));
    bool ok = std::fwrite(head.data(), 1, head.size(), f) == head.size();
    ok = ok && std::fwrite(values.data(), 1, values.size(), f) == values.size();
    ok = (std::fclose(f) == 0) && ok;
    HTUNE_CHECK_AS(data_error, ok, component, "cannot write \"", file.string(), "\"");
}

inline void write_idx(std::filesystem::path const& file, std::span<std::uint8_t const> values,
                      std::initializer_list<std::size_t> dims) {
    write_idx(file, values, std::span<std::size_t const>(dims.begin(), dims.size()));
}

// Writes an image file (count x rows x cols, count = pixels.size() / (rows * cols)) and its labels.
inline void write_idx(std::filesystem::path const& images, std::filesystem::path const& labels,
                      std::span<std::uint8_t const> pixels, std::span<std::uint8_t const> label_values,
                      std::size_t rows, std::size_t cols) {
    HTUNE_CHECK(rows * cols > 0 && pixels.size() == label_values.size() * rows * cols,
                "htune::data::write_idx: ", pixels.size(), " pixels do not make ", label_values.size(), " images of ",
                rows, " x ", cols);
    write_idx(images, pixels, {label_values.size(), rows, cols});
    write_idx(labels, label_values, {label_values.size()});
}

} // namespace htune::data
