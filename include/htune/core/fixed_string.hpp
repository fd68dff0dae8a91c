#pragma once
// A string usable as a template argument: hyperparameter names are types, so a typo in
// t.get<"lr">() is a compile error rather than a lookup that fails at run time.

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string_view>

namespace htune {

template <std::size_t N>
struct fixed_string {
    char chars[N]{}; // N counts the terminating zero

    constexpr fixed_string(char const (&s)[N]) { std::copy_n(s, N, chars); }

    static constexpr std::size_t size() { return N - 1; }
    constexpr std::string_view view() const { return {chars, N - 1}; }
    constexpr char const* c_str() const { return chars; }
    constexpr operator std::string_view() const { return view(); }

    template <std::size_t M>
    constexpr bool operator==(fixed_string<M> const& other) const {
        return view() == other.view();
    }
};

template <std::size_t N>
std::ostream& operator<<(std::ostream& os, fixed_string<N> const& s) {
    return os << s.view();
}

} // namespace htune
