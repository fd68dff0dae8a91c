#pragma once
// Helpers for the bad-input tests: run a piece of code once, check that it threw exactly the
// expected htune exception type, and that the message names what is wrong (temp_dir: files.hpp).

#include <doctest/doctest.h>

#include <htune/core/errors.hpp>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>
#include <unistd.h>

#include "files.hpp"

namespace htune::test {

// Runs f() once. Checks that it threw E (CHECK_THROWS_AS on the captured exception), that the
// dynamic type is exactly E (not only derived from it), and that what() contains every part.
// Returns the message ("" when nothing, or something that is no std::exception, was thrown).
template <class E, class F>
std::string expect_throw(F&& f, std::initializer_list<std::string_view> parts) {
    std::exception_ptr thrown;
    try {
        f();
    } catch (...) {
        thrown = std::current_exception();
    }
    REQUIRE_MESSAGE(thrown != nullptr, "no exception was thrown");
    CHECK_THROWS_AS(std::rethrow_exception(thrown), E);
    std::string what;
    bool exact = false;
    try {
        std::rethrow_exception(thrown);
    } catch (std::exception const& e) {
        what = e.what();
        exact = typeid(e) == typeid(E);
    } catch (...) {}
    INFO("message: " << what);
    CHECK_MESSAGE(exact, "the exception's dynamic type is not exactly the expected one");
    for (auto const part : parts) CHECK_MESSAGE(what.find(part) != std::string::npos, "missing: \"" << part << "\"");
    return what;
}

inline bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

} // namespace htune::test
