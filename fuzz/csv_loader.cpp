// libFuzzer harness: the input is a CSV text for data::load_csv (data/csv.hpp), read from a stream.
// The first byte chooses the options, the rest is the text:
//   bit 0     header on (forced on when the label is chosen by name)
//   bits 1-2  the label column: 0 or 3 the last one, 1 by name ("y"), 2 by index (bit 3: 0 or 1)
//   bit 4     double instead of float
//   bit 5     regression instead of classification
//   bits 6-7  the delimiter: ',' ';' '\t' ' '
// A data_error is the expected answer to a bad file; anything else is a bug. A loaded data set is
// checked for consistency (shapes, labels in range, finite values).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <htune/data/csv.hpp>

#include "fuzz_support.hpp"

namespace {

using namespace htune;

template <class T>
void check(data::dataset<T> const& d, data::csv_options const& o) {
    std::size_t const n = d.features.shape()[0];
    if (n == 0) fuzz::invariant_failed("no samples, yet no error");
    if (d.features.shape()[1] == 0) fuzz::invariant_failed("no feature columns, yet no error");
    if (d.sample_shape.size() != d.features.shape()[1]) fuzz::invariant_failed("sample_shape != feature count");
    for (auto const v : d.features)
        if (!std::isfinite(v)) fuzz::invariant_failed("a non-finite feature");
    if (o.task == data::csv_task::classification) {
        if (d.labels.size() != n) fuzz::invariant_failed("labels.size() != samples");
        if (d.num_classes == 0 || d.num_classes > n) fuzz::invariant_failed("num_classes out of [1, samples]");
        if (d.class_names.size() != d.num_classes) fuzz::invariant_failed("class_names.size() != num_classes");
        for (auto const y : d.labels)
            if (y < 0 || static_cast<std::size_t>(y) >= d.num_classes) fuzz::invariant_failed("a label out of range");
    } else {
        if (d.num_classes != 0) fuzz::invariant_failed("regression with classes");
        if (d.targets.shape()[0] != n || d.targets.shape()[1] != 1) fuzz::invariant_failed("targets are not n x 1");
        for (auto const v : d.targets)
            if (!std::isfinite(v)) fuzz::invariant_failed("a non-finite target");
    }
}

template <class T>
void load(std::string const& text, data::csv_options const& o) {
    std::istringstream in(text);
    check(data::load_csv<T>(in, "fuzz.csv", o), o);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    if (size == 0) return 0;
    unsigned const flags = data[0];
    std::string const text(reinterpret_cast<char const*>(data + 1), size - 1);

    data::csv_options o;
    o.header = (flags & 1u) != 0;
    switch ((flags >> 1) & 3u) {
    case 1:
        o.label_name = "y";
        o.header = true;
        break;
    case 2: o.label_index = (flags >> 3) & 1u; break;
    default: break;
    }
    o.task = (flags & 0x20u) ? data::csv_task::regression : data::csv_task::classification;
    o.delimiter = ",;\t "[(flags >> 6) & 3u];

    fuzz::expect_htune_errors_only([&] {
        if (flags & 0x10u) load<double>(text, o);
        else load<float>(text, o);
    });
    return 0;
}
