#pragma once
// Counts heap allocations in the test executables (global operator new is replaced in
// allocation_counter.cpp, linked into every test executable): tests take the count before and
// after a piece of code to prove it does not allocate.
#include <cstddef>

namespace htune::test {
std::size_t allocation_count() noexcept;
// False in sanitizer builds, whose runtime owns operator new: allocation tests skip there.
bool counting_allocations() noexcept;
} // namespace htune::test
