#pragma once
// CSV files as data sets: one sample per line, numeric features, one label column.
//
// The whole file is read at once and parsed in place with std::from_chars (no stream per field).
// Quoted fields ("a,b", with "" for a quote) may span lines; blank lines are skipped; CRLF and
// a UTF-8 byte order mark are accepted. Every error is an htune::data_error that names the
// file, the line and the column (1-based) and quotes the text that failed.

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <istream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"

namespace htune::data {

enum class csv_task {
    classification, // integer labels, mapped to 0..k-1 in sorted order of their values
    regression,     // the label column becomes a 1-column target
};

struct csv_options {
    bool header = true; // the first non-blank line names the columns
    char delimiter = ',';
    std::string label_name;                 // the label column by header name, or
    std::optional<std::size_t> label_index; // by 0-based index; neither: the last column
    csv_task task = csv_task::classification;
};

namespace detail::csv {

using ::htune::detail::throw_error;

inline constexpr char const* component = "htune::data::load_csv: ";

// The whole file in one string: one allocation and one read for a regular file.
inline std::string read_file(std::filesystem::path const& file) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f)
        throw_error<data_error>(component, "cannot open \"", file.string(),
                                "\": ", std::generic_category().message(errno));
    std::string text;
    std::error_code ec;
    auto const size = std::filesystem::file_size(file, ec);
    text.resize(ec ? std::size_t{1} << 16 : static_cast<std::size_t>(size) + 1);
    std::size_t used = 0;
    for (;;) {
        used += std::fread(text.data() + used, 1, text.size() - used, f);
        if (used < text.size()) break; // end of file or error
        text.resize(text.size() * 2);
    }
    bool const failed = std::ferror(f) != 0;
    int const err = errno;
    std::fclose(f);
    if (failed)
        throw_error<data_error>(component, "cannot read \"", file.string(),
                                "\": ", std::generic_category().message(err));
    text.resize(used);
    return text;
}

// The text of a field for a message: quoted, and cut when long.
inline std::string quote(std::string_view s) {
    constexpr std::size_t max = 40;
    std::string out = "\"";
    out.append(s.substr(0, max));
    if (s.size() > max) out += "...";
    return out += '"';
}

inline std::string type_name(float) {
    return "float";
}
inline std::string type_name(double) {
    return "double";
}
inline std::string type_name(long double) {
    return "long double";
}

// Splits a mutable buffer into records. Quoted fields are unescaped in place, so each field is
// a view into the buffer and a record costs no allocation once `fields` has grown.
class tokenizer {
public:
    tokenizer(std::string& text, char delimiter, std::string const& name)
        : m_p(text.data()), m_end(text.data() + text.size()), m_delim(delimiter), m_name(name) {
        if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) m_p += 3; // UTF-8 BOM
    }

    // Reads the next non-blank record into `fields`; false at the end of the text.
    bool next(std::vector<std::string_view>& fields) {
        if (!skip_blank_lines()) return false;
        fields.clear();
        m_record_line = m_line;
        for (;;) {
            while (m_p < m_end && blank(*m_p)) ++m_p;
            if (m_p < m_end && *m_p == '"') fields.push_back(quoted_field(fields.size()));
            else fields.push_back(plain_field());
            if (m_p < m_end && *m_p == m_delim) {
                ++m_p;
                continue;
            }
            if (m_p < m_end) { // at '\n'
                ++m_p;
                ++m_line;
            }
            return true;
        }
    }

    std::size_t record_line() const noexcept { return m_record_line; }

private:
    bool blank(char c) const noexcept { return (c == ' ' || c == '\t' || c == '\r') && c != m_delim; }

    bool skip_blank_lines() {
        for (;;) {
            char* q = m_p;
            while (q < m_end && blank(*q)) ++q;
            if (q == m_end) return false;
            if (*q != '\n') return true;
            m_p = q + 1;
            ++m_line;
        }
    }

    std::string_view plain_field() {
        char* const first = m_p;
        while (m_p < m_end && *m_p != m_delim && *m_p != '\n') ++m_p;
        char* last = m_p;
        while (last > first && blank(last[-1])) --last;
        return {first, static_cast<std::size_t>(last - first)};
    }

    std::string_view quoted_field(std::size_t index) {
        ++m_p; // opening quote
        char* const first = m_p;
        char* out = m_p;
        for (;;) {
            if (m_p == m_end)
                throw_error<data_error>(component, m_name, ':', m_record_line, ": column ", index + 1,
                                        ": quoted field is not closed before the end of the file");
            char const c = *m_p;
            if (c == '"') {
                if (m_p + 1 < m_end && m_p[1] == '"') {
                    *out++ = '"';
                    m_p += 2;
                    continue;
                }
                ++m_p;
                break;
            }
            if (c == '\n') ++m_line;
            *out++ = c;
            ++m_p;
        }
        std::string_view const field{first, static_cast<std::size_t>(out - first)};
        while (m_p < m_end && blank(*m_p)) ++m_p;
        if (m_p < m_end && *m_p != m_delim && *m_p != '\n')
            throw_error<data_error>(component, m_name, ':', m_line, ": column ", index + 1,
                                    ": unexpected text after the closing quote of ", quote(field));
        return field;
    }

    char* m_p;
    char* m_end;
    char m_delim;
    std::string const& m_name;
    std::size_t m_line = 1;
    std::size_t m_record_line = 1;
};

// from_chars, whole field only; also accepts a leading '+', which from_chars rejects.
template <class V>
std::errc parse(std::string_view s, V& value) {
    char const* first = s.data();
    char const* const last = first + s.size();
    if (first != last && *first == '+') {
        ++first;
        if (first != last && *first == '-') return std::errc::invalid_argument;
    }
    if (first == last) return std::errc::invalid_argument;
    auto const [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{}) return ec;
    return ptr == last ? std::errc{} : std::errc::invalid_argument;
}

template <class T>
dataset<T> parse_csv(std::string& text, std::string const& name, csv_options const& options) {
    static_assert(std::is_floating_point_v<T>, "htune::data::load_csv: T must be a floating-point type");
    HTUNE_CHECK(options.label_name.empty() || !options.label_index, component, name,
                ": set csv_options::label_name (\"", options.label_name, "\") or label_index (",
                options.label_index.value_or(0), "), not both");
    HTUNE_CHECK(options.label_name.empty() || options.header, component, name, ": csv_options::label_name (\"",
                options.label_name, "\") needs header = true");
    HTUNE_CHECK(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r', component, name,
                ": csv_options::delimiter cannot be '", options.delimiter, "'");
    bool const classify = options.task == csv_task::classification;

    tokenizer tok(text, options.delimiter, name);
    std::vector<std::string_view> fields;
    fields.reserve(64);
    std::vector<std::string> header;
    std::size_t columns = 0;
    bool have_record = tok.next(fields);
    HTUNE_CHECK_AS(data_error, have_record, component, name, ": the file is empty");
    if (options.header) {
        header.assign(fields.begin(), fields.end());
        columns = header.size();
        have_record = tok.next(fields);
        HTUNE_CHECK_AS(data_error, have_record, component, name, ": no data rows after the header (line ",
                       tok.record_line(), ")");
    } else {
        columns = fields.size();
    }
    HTUNE_CHECK_AS(data_error, columns >= 2, component, name, ':', tok.record_line(), ": found ", columns,
                   " column, need at least 2 (features and a label)");

    std::size_t label = columns - 1;
    if (!options.label_name.empty()) {
        auto const it = std::find(header.begin(), header.end(), options.label_name);
        if (it == header.end()) {
            std::string names;
            for (auto const& h : header) names += (names.empty() ? "" : ", ") + quote(h);
            throw_error<data_error>(component, name, ": label column \"", options.label_name,
                                    "\" is not in the header; the columns are ", names);
        }
        label = static_cast<std::size_t>(it - header.begin());
    } else if (options.label_index) {
        HTUNE_CHECK_AS(data_error, *options.label_index < columns, component, name, ": csv_options::label_index ",
                       *options.label_index, " is out of range: the file has ", columns, " columns (indices 0 to ",
                       columns - 1, ")");
        label = *options.label_index;
    }

    // Names a column in messages: 1-based, with its header name when there is one.
    auto const column = [&](std::size_t c) {
        std::string s = "column " + std::to_string(c + 1);
        if (!header.empty()) s += " (" + quote(header[c]) + ")";
        return s;
    };

    // Reserve from the line count, so the vectors do not regrow on large files. A row of `columns`
    // fields holds at least `features` bytes (its delimiters): that bounds the rows when blank lines
    // or quoted line breaks make the lines far more (a wide header over many blank lines would
    // otherwise reserve lines x columns values).
    std::size_t const features = columns - 1;
    std::size_t const lines_estimate =
        std::min(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1, text.size() / features + 1);
    std::vector<T> values;
    values.reserve(lines_estimate * features);
    std::vector<std::int64_t> raw_labels;
    std::vector<T> targets;
    if (classify) raw_labels.reserve(lines_estimate);
    else targets.reserve(lines_estimate);

    do {
        std::size_t const line = tok.record_line();
        HTUNE_CHECK_AS(data_error, fields.size() == columns, component, name, ':', line, ": line ", line, " has ",
                       fields.size(), " fields, expected ", columns);
        for (std::size_t c = 0; c < columns; ++c) {
            std::string_view const f = fields[c];
            if (c == label && classify) {
                std::int64_t y = 0;
                if (parse(f, y) != std::errc{})
                    throw_error<data_error>(component, name, ':', line, ": ", column(c), ": cannot parse ", quote(f),
                                            " as an integer class label",
                                            " (use csv_task::regression for real-valued targets)");
                raw_labels.push_back(y);
                continue;
            }
            T v{};
            std::errc const ec = parse(f, v);
            if (ec == std::errc::result_out_of_range)
                throw_error<data_error>(component, name, ':', line, ": ", column(c), ": ", quote(f),
                                        " is out of range for ", type_name(T{}));
            if (ec != std::errc{})
                throw_error<data_error>(component, name, ':', line, ": ", column(c), ": cannot parse ", quote(f),
                                        " as a number");
            if (!std::isfinite(v))
                throw_error<data_error>(component, name, ':', line, ": ", column(c), ": value ", quote(f),
                                        " is not finite");
            (c == label ? targets : values).push_back(v);
        }
    } while (tok.next(fields));

    dataset<T> out;
    std::size_t const n = values.size() / features;
    out.features = tensor<T, 2>(std::array<std::size_t, 2>{n, features});
    std::copy(values.begin(), values.end(), out.features.data());
    out.sample_shape = htune::shape{features};
    if (classify) {
        // Dense labels in sorted order of the distinct values; class_names maps back.
        std::vector<std::int64_t> distinct = raw_labels;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        out.labels = tensor<std::int32_t, 1>(std::array<std::size_t, 1>{n});
        for (std::size_t i = 0; i < n; ++i) {
            auto const k = std::lower_bound(distinct.begin(), distinct.end(), raw_labels[i]) - distinct.begin();
            out.labels(i) = static_cast<std::int32_t>(k);
        }
        out.num_classes = distinct.size();
        out.class_names.reserve(distinct.size());
        for (auto const y : distinct) out.class_names.push_back(std::to_string(y));
    } else {
        out.targets = tensor<T, 2>(std::array<std::size_t, 2>{n, std::size_t{1}});
        std::copy(targets.begin(), targets.end(), out.targets.data());
    }
    return out;
}

} // namespace detail::csv

// Reads CSV text from a stream; `name` stands for the source in error messages.
template <class T = float>
dataset<T> load_csv(std::istream& in, std::string const& name, csv_options const& options = {}) {
    std::ostringstream buffer;
    if (in.peek() != std::istream::traits_type::eof()) buffer << in.rdbuf();
    HTUNE_CHECK_AS(data_error, !in.bad(), detail::csv::component, name, ": read error");
    std::string text = std::move(buffer).str();
    return detail::csv::parse_csv<T>(text, name, options);
}

// Reads a CSV file. The features become a samples x (columns - 1) matrix with sample_shape
// {columns - 1}; the label column becomes labels (classification) or targets (regression).
template <class T = float>
dataset<T> load_csv(std::filesystem::path const& file, csv_options const& options = {}) {
    std::string const name = file.string();
    std::string text = detail::csv::read_file(file);
    return detail::csv::parse_csv<T>(text, name, options);
}

} // namespace htune::data
