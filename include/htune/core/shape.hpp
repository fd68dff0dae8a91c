#pragma once
// The shape of one sample (rank 1 to 3: features, or channels x height x width). Batches add the
// sample count in front and are stored flat, one sample per row (NCHW in memory). Shared by data
// sets (a sample's shape) and layers (what they take and give); nn::shape names it too.

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <string>

#include "errors.hpp"

namespace htune {

struct shape {
    static constexpr std::size_t max_rank = 3;
    std::array<std::size_t, max_rank> dims{};
    std::size_t rank = 0;

    constexpr shape() = default;
    constexpr shape(std::initializer_list<std::size_t> d) {
        HTUNE_CHECK(d.size() <= max_rank, "htune::shape: rank ", d.size(), " exceeds ", max_rank);
        std::copy(d.begin(), d.end(), dims.begin());
        rank = d.size();
    }

    // Number of values in one sample.
    constexpr std::size_t size() const noexcept {
        std::size_t n = 1;
        for (std::size_t i = 0; i < rank; ++i) n *= dims[i];
        return rank == 0 ? 0 : n;
    }
    constexpr std::size_t operator[](std::size_t i) const noexcept { return dims[i]; }
    constexpr bool operator==(shape const& o) const noexcept {
        return rank == o.rank && std::equal(dims.begin(), dims.begin() + rank, o.dims.begin());
    }

    std::string str() const {
        std::ostringstream os;
        os << *this;
        return os.str();
    }

    friend std::ostream& operator<<(std::ostream& os, shape const& s) {
        os << '(';
        for (std::size_t i = 0; i < s.rank; ++i) os << (i ? ", " : "") << s.dims[i];
        return os << ')';
    }
};

} // namespace htune
