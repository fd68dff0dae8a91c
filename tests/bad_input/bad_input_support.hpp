#pragma once
// Helpers for the bad-input tests: run a piece of code once, check that it threw exactly the
// expected htune exception type, and that the message names what is wrong; and a temporary
// directory per test case, removed with everything in it.

#include <doctest/doctest.h>

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

#include <htune/core/errors.hpp>

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
    } catch (...) {
    }
    INFO("message: " << what);
    CHECK_MESSAGE(exact, "the exception's dynamic type is not exactly the expected one");
    for (auto const part : parts) CHECK_MESSAGE(what.find(part) != std::string::npos, "missing: \"" << part << "\"");
    return what;
}

inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// A fresh directory under the temporary directory (pid + random suffix), removed on scope exit.
class temp_dir {
public:
    temp_dir() {
        std::random_device device;
        std::mt19937_64 gen((std::uint64_t{device()} << 32) ^ device());
        auto const base = std::filesystem::temp_directory_path();
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto const candidate = base / ("htune_bad_input_" + std::to_string(::getpid()) + "_" +
                                           std::to_string(gen() % 1000000007u));
            std::error_code ec;
            if (std::filesystem::create_directory(candidate, ec)) {
                m_path = candidate;
                return;
            }
        }
        FAIL("cannot create a temporary directory");
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
    ~temp_dir() {
        std::error_code ec;
        if (!m_path.empty()) std::filesystem::remove_all(m_path, ec);
    }

    std::filesystem::path const& path() const noexcept { return m_path; }
    std::filesystem::path operator/(std::string_view name) const { return m_path / name; }

    // Writes `bytes` to the file `name` in the directory and returns its path.
    std::filesystem::path write(std::string_view name, std::string_view bytes) const {
        auto const p = m_path / name;
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        REQUIRE(out.good());
        return p;
    }

private:
    std::filesystem::path m_path;
};

} // namespace htune::test
