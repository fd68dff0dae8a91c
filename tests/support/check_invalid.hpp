#pragma once
// check_invalid(f, message): f() throws htune::invalid_argument whose what() is exactly `message`.
// Shared by the tests of every area that checks its error messages word for word.

#include <doctest/doctest.h>

#include <htune/core/errors.hpp>

#include <string>

namespace htune::test {

template <class F>
void check_invalid(F&& f, std::string const& message) {
    CAPTURE(message);
    bool thrown = false;
    try {
        f();
    } catch (htune::invalid_argument const& e) {
        thrown = true;
        CHECK(std::string(e.what()) == message);
    }
    CHECK(thrown);
}

} // namespace htune::test
