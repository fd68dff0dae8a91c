#pragma once
// One exception hierarchy: every run-time error of htune derives from htune::error, and every
// message names the component, the parameter and the bad value.

#include <charconv>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace htune {

class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A value given by the user is out of its domain (bounds, sizes, rates).
class invalid_argument : public error {
public:
    using error::error;
};

// Tensor shapes do not fit together; the message prints both shapes.
class shape_error : public error {
public:
    using error::error;
};

// Input data is malformed (a file that cannot be parsed, NaN in features, labels out of range).
class data_error : public error {
public:
    using error::error;
};

// A study's journal cannot be read or written.
class journal_error : public error {
public:
    using error::error;
};

// A user objective failed (threw, returned NaN).
class objective_error : public error {
public:
    using error::error;
};

namespace detail {
// Floating values print in their shortest exact form (0.1, not 0.10000000000000001).
template <class T>
void write_value(std::ostringstream& os, T const& value) {
    if constexpr (std::is_floating_point_v<T>) {
        char buffer[64];
        auto const [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
        if (ec == std::errc{}) os.write(buffer, end - buffer);
        else os << value;
    } else {
        os << value;
    }
}

template <class... Args>
std::string concat(Args const&... args) {
    std::ostringstream os;
    (write_value(os, args), ...);
    return std::move(os).str();
}

template <class Error, class... Args>
[[noreturn]] void throw_error(Args const&... args) {
    throw Error(concat(args...));
}
} // namespace detail

} // namespace htune

// Always-on check of user input: throws htune::invalid_argument with the concatenated message.
#define HTUNE_CHECK(expr, ...)                                                                                         \
    do {                                                                                                               \
        if (!(expr)) ::htune::detail::throw_error<::htune::invalid_argument>(__VA_ARGS__);                             \
    } while (false)

// Same, with the exception type chosen by the caller (shape_error, data_error, ...).
#define HTUNE_CHECK_AS(error_type, expr, ...)                                                                          \
    do {                                                                                                               \
        if (!(expr)) ::htune::detail::throw_error<error_type>(__VA_ARGS__);                                            \
    } while (false)

// Internal invariant: checked only in debug builds.
#ifdef NDEBUG
#define HTUNE_ASSERT(expr) ((void)0)
#else
#include <cassert>
#define HTUNE_ASSERT(expr) assert(expr)
#endif
